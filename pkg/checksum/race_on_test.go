//go:build race

package checksum

// raceEnabled says the race detector is on: the property tests run fewer trials.
const raceEnabled = true
