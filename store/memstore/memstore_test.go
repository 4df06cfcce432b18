package memstore_test

import (
	"testing"

	"github.com/happn-go/happn/store"
	"github.com/happn-go/happn/store/memstore"
	"github.com/happn-go/happn/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return memstore.New() })
}

func BenchmarkStore(b *testing.B) {
	storetest.Benchmark(b, func(b *testing.B) store.Store { return memstore.New() })
}
