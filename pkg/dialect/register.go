package dialect

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
)

// OpenFunc opens a DB on a DSN with a pool of at most conns connections (0: the engine's
// default), taking the password from auth when the DSN has none.
type OpenFunc func(ctx context.Context, dsn string, conns int, auth Auth) (DB, error)

var registry struct {
	sync.RWMutex
	open map[string]OpenFunc
}

// Register makes an engine available to Open under its name, as DetectEngine names it. Engine
// packages call it from init, as database/sql drivers do, so that a program chooses the
// engines it carries by importing them:
//
//	import _ "github.com/dbverify/dbverify/pkg/dialect/mysql"
//
// Registering a name twice panics: two packages claim the same engine.
func Register(engine string, open OpenFunc) {
	registry.Lock()
	defer registry.Unlock()
	if registry.open == nil {
		registry.open = map[string]OpenFunc{}
	}
	if _, dup := registry.open[engine]; dup {
		panic("dialect: engine " + engine + " registered twice")
	}
	registry.open[engine] = open
}

// Engines lists the registered engines' names, sorted.
func Engines() []string {
	registry.RLock()
	defer registry.RUnlock()
	names := make([]string, 0, len(registry.open))
	for n := range registry.open {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ErrNoEngine is wrapped by Open's error for a DSN of an engine no imported package registered.
var ErrNoEngine = errors.New("engine not registered")

// Open opens a DB on dsn with the engine its form names (DetectEngine), which must be
// registered.
func Open(ctx context.Context, dsn string, conns int, auth Auth) (DB, error) {
	engine, err := DetectEngine(dsn)
	if err != nil {
		return nil, malformed{err}
	}
	registry.RLock()
	open := registry.open[engine]
	registry.RUnlock()
	if open == nil {
		return nil, fmt.Errorf("%w: %s (import github.com/dbverify/dbverify/pkg/dialect/%s)", ErrNoEngine, engine, engine)
	}
	return open(ctx, dsn, conns, auth)
}

// malformed marks err as ErrMalformedDSN without changing its message.
type malformed struct{ error }

func (e malformed) Unwrap() []error { return []error{e.error, ErrMalformedDSN} }
