// Package mqttbridge publishes camwatch's camera state, motion and alerts
// over MQTT for Home Assistant and Frigate users, through the MQTT
// listener that nats-server has built in: retained state per camera, Home
// Assistant discovery payloads so every camera appears as two binary
// sensors (online, motion), and the alerts of the verified live feed.
// Topics are documented in docs/mqtt.md; the bridge is the only MQTT user
// that may publish them.
package mqttbridge
