//go:build race

package verify_test

// raceEnabled says the race detector is on.
const raceEnabled = true
