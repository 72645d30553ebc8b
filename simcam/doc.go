// Package simcam simulates community IP cameras so that the edge agent, the
// demo and the tests can be run against real RTSP without real hardware.
//
// Like a real camera, every simulated camera is its own RTSP server on its
// own TCP port, loops a committed H.264 clip in real time and can be made to
// misbehave the way field cameras do (go offline, stall, freeze, reboot),
// from Go or from a small HTTP control endpoint.
package simcam
