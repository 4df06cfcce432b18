package pubsub_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/happn-go/happn/pubsub"
)

// TestHubDeliversToTheOthers: a publication reaches every other node on
// the hub, in order, and not its publisher.
func TestHubDeliversToTheOthers(t *testing.T) {
	var hub pubsub.Hub
	brokers := []pubsub.Broker{hub.Broker(), hub.Broker(), hub.Broker()}
	got := make([][]string, len(brokers))
	for i, b := range brokers {
		stop, err := b.Subscribe(func(p *pubsub.Publication) { got[i] = append(got[i], p.Path) })
		if err != nil {
			t.Fatal(err)
		}
		defer stop()
	}
	ctx := context.Background()
	for _, path := range []string{"/a", "/b"} {
		if err := brokers[0].Publish(ctx, &pubsub.Publication{Path: path}); err != nil {
			t.Fatal(err)
		}
	}
	if len(got[0]) != 0 {
		t.Fatalf("the publisher got its own publications: %v", got[0])
	}
	for i := 1; i < len(brokers); i++ {
		if len(got[i]) != 2 || got[i][0] != "/a" || got[i][1] != "/b" {
			t.Fatalf("node %d got %v, want [/a /b]", i, got[i])
		}
	}
}

// TestHubStop: after stop a node gets nothing and cannot publish; stop
// waits for a delivery in progress; a broker subscribes once.
func TestHubStop(t *testing.T) {
	var hub pubsub.Hub
	pub, sub := hub.Broker(), hub.Broker()
	if _, err := pub.Subscribe(func(*pubsub.Publication) {}); err != nil {
		t.Fatal(err)
	}
	inDelivery, release := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	delivered := 0
	stop, err := sub.Subscribe(func(*pubsub.Publication) {
		mu.Lock()
		delivered++
		first := delivered == 1
		mu.Unlock()
		if first {
			close(inDelivery)
			<-release
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sub.Subscribe(func(*pubsub.Publication) {}); err == nil {
		t.Fatal("a second Subscribe succeeded")
	}
	ctx := context.Background()
	go pub.Publish(ctx, &pubsub.Publication{Path: "/1"})
	<-inDelivery
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	select {
	case <-stopped:
		t.Fatal("stop returned during a delivery")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	<-stopped
	if err := pub.Publish(ctx, &pubsub.Publication{Path: "/2"}); err != nil {
		t.Fatal(err)
	}
	if err := sub.Publish(ctx, &pubsub.Publication{Path: "/3"}); !errors.Is(err, pubsub.ErrStopped) {
		t.Fatalf("Publish after stop: %v, want ErrStopped", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if delivered != 1 {
		t.Fatalf("%d deliveries, want 1 (none after stop)", delivered)
	}
	stop() // twice is fine
}
