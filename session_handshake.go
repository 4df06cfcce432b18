package happn

import (
	"context"
	"strings"

	"github.com/happn-go/happn/internal/protocol"
	"github.com/happn-go/happn/security"
	"github.com/tidwall/gjson"
)

// configure handles configure-session: the client names its protocol
// (which also turns server heartbeats on) and version.
func (ss *session) configure(req *protocol.Request) {
	data := gjson.ParseBytes(req.Data)
	p := data.Get("protocol").String()
	codec, ok := protocol.Lookup(p)
	if !ok {
		ss.fail(req, badRequest("unsupported protocol "+p+": this server speaks "+protocol.ProtocolHappn4))
		return
	}
	name := codec.Name()
	ss.wire.Store(&codecRef{codec})
	ss.protocol.Store(&name)
	ss.version = data.Get("version").String()
	ss.browser = data.Get("browser").Bool()
	ss.ok(req, nil, protocol.ResponseMeta{}, false)
}

// describe tells the client the server's name and whether it is secure.
func (ss *session) describe(req *protocol.Request) {
	b := []byte(`{"name":`)
	b = protocol.AppendString(b, ss.srv.name)
	b = append(b, `,"secure":`...)
	if ss.srv.sec.Secure() {
		b = append(b, "true"...)
	} else {
		b = append(b, "false"...)
	}
	if ss.browser {
		b = append(b, `,"cookieName":"happn_token"`...)
	}
	b = append(b, '}')
	ss.ok(req, b, protocol.ResponseMeta{}, false)
}

// login authenticates the session and answers with the session record.
func (ss *session) login(ctx context.Context, req *protocol.Request) {
	data := gjson.ParseBytes(req.Data)
	creds := security.Credentials{
		Username:  data.Get("username").String(),
		Password:  data.Get("password").String(),
		Token:     data.Get("token").String(),
		PublicKey: data.Get("publicKey").String(),
		Digest:    data.Get("digest").String(),
		LoginType: data.Get("loginType").String(),
		AuthType:  data.Get("authType").String(),
	}
	if info := data.Get("info"); info.IsObject() {
		ss.loginInfo = []byte(info.Raw)
	}
	offer, err := parseEncryptionOffer(data)
	if err != nil {
		ss.fail(req, err)
		return
	}
	cipher, serverKey, err := ss.prepareEncryption(offer)
	if err != nil {
		ss.fail(req, err)
		return
	}
	id, err := ss.srv.sec.Login(ctx, security.LoginRequest{
		Credentials: creds,
		SessionID:   ss.id,
		Type:        1,
		Info:        ss.loginInfo,
		RemoteIP:    ss.info.RemoteIP,
		Local:       ss.info.Local,
	})
	if err != nil {
		ss.srv.counters.loginFailures.Add(1)
		ss.fail(req, wireError(err))
		return
	}
	ss.identity.Store(id)
	if id.Secure() {
		ss.loggedIn(id)
	}
	ss.sendLoginResponse(req, ss.record(serverKey), cipher)
}

// record encodes the session as happn-3 returns it from login (SPEC §2.5).
// serverKey is the server's payload encryption key, or "".
func (ss *session) record(serverKey string) []byte {
	b := []byte(`{"msgCount":`)
	b = protocol.AppendInt(b, ss.msgCount)
	b = append(b, `,"id":`...)
	b = protocol.AppendString(b, ss.id)
	b = append(b, `,"protocol":`...)
	b = protocol.AppendString(b, ss.proto())
	b = append(b, `,"happn":{"name":`...)
	b = protocol.AppendString(b, ss.srv.name)
	if ss.srv.sec.Secure() {
		b = append(b, `,"secure":true}`...)
	} else {
		b = append(b, `,"secure":false}`...)
	}
	b = append(b, `,"headers":{`...)
	first := true
	for k, v := range ss.info.Headers {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = protocol.AppendString(b, k)
		b = append(b, ':')
		b = protocol.AppendString(b, v)
	}
	b = append(b, `},"encrypted":false,"address":{"ip":`...)
	b = protocol.AppendString(b, ss.info.RemoteIP)
	if ss.info.Secure {
		b = append(b, `,"secure":true,"port":`...)
	} else {
		b = append(b, `,"secure":false,"port":`...)
	}
	b = protocol.AppendInt(b, int64(ss.info.RemotePort))
	b = append(b, `},"url":`...)
	b = protocol.AppendString(b, ss.info.URL)
	b = append(b, `,"version":`...)
	b = protocol.AppendString(b, ss.version)
	id := ss.identity.Load()
	if id.Secure() {
		name, domain := ss.srv.secure.SessionCookie(ss.overTLS())
		b = append(b, `,"cookieName":`...)
		b = protocol.AppendString(b, name)
		if domain != "" {
			b = append(b, `,"cookieDomain":`...)
			b = protocol.AppendString(b, domain)
		}
	}
	b = append(b, `,"info":`...)
	if ss.loginInfo != nil {
		b = append(b, ss.loginInfo...)
	} else {
		b = append(b, "{}"...)
	}
	if serverKey != "" {
		b = append(b, `,"encryption":{"scheme":`...)
		b = protocol.AppendString(b, security.PayloadScheme)
		b = append(b, `,"publicKey":`...)
		b = protocol.AppendString(b, serverKey)
		b = append(b, '}')
	}
	if id.Secure() {
		b = id.AppendRecord(b)
	} else if id != nil && id.Token != "" {
		b = append(b, `,"user":{"username":`...)
		b = protocol.AppendString(b, id.Username)
		b = append(b, `,"userid":`...)
		b = protocol.AppendString(b, id.UserID)
		b = append(b, `},"token":`...)
		b = protocol.AppendString(b, id.Token)
	}
	return append(b, '}')
}

// securityAction answers the actions that only mean something on a
// secure server.
func (ss *session) securityAction(ctx context.Context, req *protocol.Request) {
	if !ss.srv.sec.Secure() {
		ss.fail(req, badRequest("Cannot "+req.Action+" Not Secure"))
		return
	}
	if ss.srv.secure != nil {
		ss.secureAction(ctx, req)
		return
	}
	ss.fail(req, badRequest(strings.TrimSpace(req.Action+" is not supported by this security provider")))
}

// overTLS reports whether the client reached the server over TLS: the
// connection is, or the proxy in front says so (X-Forwarded-Proto https
// or wss, as happn-3 reads it; it only picks a cookie name).
func (ss *session) overTLS() bool {
	if ss.info.Secure {
		return true
	}
	p := ss.info.Headers["x-forwarded-proto"]
	return p == "https" || p == "wss"
}
