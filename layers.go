package happn

import "context"

// Layer is middleware on a session's message stream (happn-3's
// inboundLayers and outboundLayers). Inbound layers run, in order, on every
// frame a client sends before the server decodes it; outbound layers run
// on every frame before it is queued for a client: responses,
// publications and system messages alike.
//
// A layer may inspect m.Frame, replace it with a new slice (never modify
// it in place: an outbound frame may be shared by many recipients), or
// reject the message by returning an error. A rejected request is
// answered with that error (as an *Error if it is one, otherwise a
// SystemError); a rejected outbound frame is not sent.
//
// Layers run on the session's goroutine: a slow layer slows that session
// only.
type Layer func(ctx context.Context, m *Message) error

// Message is what a Layer sees.
type Message struct {
	// SessionID is the session the message belongs to.
	SessionID string
	// Inbound is true for frames from the client, false for frames to it.
	Inbound bool
	// Frame is the raw JSON text of the message.
	Frame []byte
}

func runLayers(ctx context.Context, layers []Layer, m *Message) error {
	for _, l := range layers {
		if err := l(ctx, m); err != nil {
			return err
		}
	}
	return nil
}
