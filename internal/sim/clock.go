package sim

import (
	"sync"
	"time"
)

// Clock tells the simulator what time it is. The status of every simulated
// shipment, print order and notification is a pure function of its generated
// timeline and of this clock, so a caller that controls the clock controls
// what the simulator answers.
type Clock interface {
	Now() time.Time
}

// ManualClock is a Clock that only moves when told to. Tests use it: they
// move the clock instead of sleeping. The zero value reads as the zero time;
// use NewManualClock.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a manual clock standing at t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{now: t} }

// Now returns the clock's current time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set puts the clock at t.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// SpeedClock is the real time, sped up: from its origin on, every real
// second moves it Speed seconds. Speed 720 makes one real second twelve
// simulated minutes, so a demo moves visibly within minutes. Speed <= 0
// counts as 1.
type SpeedClock struct {
	origin time.Time // real time when the clock was made
	speed  float64
	real   func() time.Time
	// NewCatchUpClock: it started this far behind the real time, and never
	// runs ahead of it.
	behind  time.Duration
	catchUp bool
}

// NewSpeedClock returns a clock that starts at the real now and runs speed
// times as fast as the real time.
func NewSpeedClock(speed float64) *SpeedClock {
	if speed <= 0 {
		speed = 1
	}
	return &SpeedClock{origin: time.Now(), speed: speed, real: time.Now}
}

// NewCatchUpClock returns a clock that starts behind the real now, runs
// speed times as fast until it has caught up, and from then on keeps to the
// real time. A simulator that postvakt polls on the real clock (`make run`)
// must not run ahead of it: postvakt refuses a status dated further in the
// future than clocks drift.
func NewCatchUpClock(speed float64, behind time.Duration) *SpeedClock {
	c := NewSpeedClock(speed)
	c.behind, c.catchUp = behind, true
	return c
}

// Now returns the sped-up time.
func (c *SpeedClock) Now() time.Time {
	real := c.real()
	t := c.origin.Add(-c.behind + time.Duration(float64(real.Sub(c.origin))*c.speed))
	if c.catchUp && t.After(real) {
		return real
	}
	return t
}

// Speed returns the clock's speed factor: 1 once a catch-up clock has
// caught up.
func (c *SpeedClock) Speed() float64 {
	if c.catchUp && !c.Now().Before(c.real()) {
		return 1
	}
	return c.speed
}

// simClock is the simulator's own time: the caller's clock plus an offset
// that SetNow and Advance move, so the simulated time can be changed through
// the control API whatever clock the simulator was given.
type simClock struct {
	base   Clock
	mu     sync.RWMutex
	offset time.Duration
}

func (c *simClock) now() time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.base.Now().Add(c.offset)
}

func (c *simClock) set(t time.Time) {
	c.mu.Lock()
	c.offset = t.Sub(c.base.Now())
	c.mu.Unlock()
}

func (c *simClock) advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}
