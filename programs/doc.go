// Package programs knows what people call the things camwatch watches:
// the display names (Vietnamese and English) of wards, community camera
// programs and cameras, and each program's kind of community model. Events,
// alerts, keys and reports keep the stable ids the cameras carry in their
// labels; everything a person reads (console pages, the review report,
// email and chat notifications, MQTT discovery) asks this directory for
// the name, and falls back to the id only where nobody configured one.
package programs
