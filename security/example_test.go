package security_test

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/happn-go/happn/security"
)

func ExampleHashPassword() {
	hash, err := security.HashPassword("s3cret")
	if err != nil {
		panic(err)
	}
	ok, needsRehash, err := security.VerifyPassword(hash, "s3cret")
	fmt.Println(ok, needsRehash, err)

	// A hash from a happn-3 user directory still verifies, and asks to be
	// replaced by an argon2id one.
	const happn3 = "pbkdf2$1000$ba8dad47d194ad40e16dd395a79add4ca04da66360f02244bc50fae1dbe080e05326e0e82e0f1991b527dc6a26158e49cd03b01e6fa47478ef57f1d84f3d3f81$d558f372d89239a632f069ad206a219208056902b89947a2bf548626f3a79f04eec205f987fe54790bd5a34faba4ffb2b0f3b4c38c410d0caee22bf222b24f5d"
	ok, needsRehash, err = security.VerifyPassword(happn3, "secret")
	fmt.Println(ok, needsRehash, err)
	// Output:
	// true false <nil>
	// true true <nil>
}

func ExamplePermissions_Allowed() {
	var group security.Permissions
	_ = json.Unmarshal([]byte(`{
		"/app/*":          {"actions": ["get", "on"]},
		"/app/private/*":  {"prohibit": ["*"]}
	}`), &group)
	user := security.Permissions{"/app/users/alice/*": {Actions: []string{"set"}}}

	effective := security.Merge(group, user)
	if err := effective.Validate(); err != nil {
		panic(err)
	}
	check := effective.Compile() // for repeated checks
	fmt.Println(check.Allowed("get", "/app/news/today"))
	fmt.Println(check.Allowed("set", "/app/news/today"))
	fmt.Println(check.Allowed("set", "/app/users/alice/profile"))
	fmt.Println(check.Allowed("get", "/app/private/keys"))
	fmt.Println(check.Allowed("get", "/APP/NEWS")) // permission patterns ignore case
	// Output:
	// true
	// false
	// true
	// false
	// true
}

func ExampleExpandTemplates() {
	group := security.Permissions{
		"/gauges/{{user.username}}/*":         {Actions: []string{"*"}},
		"/sites/{{user.custom_data.sites}}/*": {Actions: []string{"get"}},
	}
	ctx := map[string]any{"user": map[string]any{
		"username":    "alice",
		"custom_data": map[string]any{"sites": []any{"north", "south"}},
	}}
	p, err := security.ExpandTemplates(group, ctx)
	if err != nil {
		panic(err)
	}
	out, _ := json.Marshal(p)
	fmt.Println(string(out))
	// Output:
	// {"/gauges/alice/*":{"actions":["*"]},"/sites/north/*":{"actions":["get"]},"/sites/south/*":{"actions":["get"]}}
}

func ExampleSignToken() {
	secret, err := security.GenerateSecret()
	if err != nil {
		panic(err)
	}
	now := time.Now()
	token, err := security.SignToken(secret, security.Claims{
		SessionID: "b3f1c2d4-session",
		ParentID:  "b3f1c2d4-session",
		Username:  "alice",
		Type:      1,
		IssuedAt:  now.UnixMilli(),
		ExpiresAt: now.Add(7 * 24 * time.Hour).UnixMilli(),
	})
	if err != nil {
		panic(err)
	}
	claims, err := security.ParseToken(secret, token)
	fmt.Println(claims.Username, err)

	_, err = security.ParseToken([]byte("some other secret"), token)
	fmt.Println(err != nil)
	// Output:
	// alice <nil>
	// true
}

func ExampleParseDuration() {
	for _, s := range []string{"7 days", "1 hour", "500ms", "Infinity"} {
		d, err := security.ParseDuration(s)
		fmt.Println(d, d.Limited(), err)
	}

	var policy struct {
		TTL                 security.Duration `json:"ttl"`
		InactivityThreshold security.Duration `json:"inactivity_threshold"`
	}
	_ = json.Unmarshal([]byte(`{"ttl": "2h", "inactivity_threshold": 600000}`), &policy)
	fmt.Println(policy.TTL, policy.InactivityThreshold)
	// Output:
	// 168h0m0s true <nil>
	// 1h0m0s true <nil>
	// 500ms true <nil>
	// none false <nil>
	// 2h0m0s 10m0s
}

func ExampleVerifyDigest() {
	// The server hands out a nonce for the client's public key
	// (security.NewNonce). The happn-3 client signs it with
	// happn-util-crypto's sign(nonce, privateKey) and logs in with the
	// signature as "digest". These three strings came from that client
	// library.
	fmt.Println(security.VerifyDigest(publicKeyPEM, nonce, digest))

	// The same signature does not log in with another nonce.
	other, err := security.NewNonce()
	if err != nil {
		panic(err)
	}
	fmt.Println(security.VerifyDigest(publicKeyPEM, other, digest))
	// Output:
	// <nil>
	// security: invalid login digest: signature does not verify
}

const (
	publicKeyPEM = `-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEA29Of1p5Cjl1NuBL4OtGNHsdTrm3nap+ZBtZRAdGJovtAsmOZvL/n
EezFFTjtAAFJMbAa7FSqmz5TwSo7BSLzmZUt/9IUGP824wNZBBPL17jeCawdOrOv
easurRbBe0Fa/ED6U8wO5Fc76xhyEy5Uv5lUzc/sXQnNdMLDjl6mgMFuM4GsI7ai
6L5+7xgZzNzgh7Xc4w8wbxvGyCS0AGup9f+ByqceICBCxhyhlmRwxgjzCrvBEtXo
DMfIsmmnub7W5QepuXNTOMXTLqWRd0ZYWc9/QHDU2eYtAULLWJmSj+pVEdXkx47c
N4W8mjuyto1F7hU5Qyp1TVmwOvgFMcyahwIDAQAB
-----END RSA PUBLIC KEY-----
`
	nonce  = "GxfZbcrt2F2qFHctCWvx/5f5ckae1iRP4sXS2dYBKC8="
	digest = "DdrlNC/3hKRffkOmo9aBMC8Sly0Rs/3X3PVmAtcv9KSOzLA87YrWCAkolhrcYSPCCoKvd0xgp6eLbzLSSVNu4gtWb36GBmtfi5tFlQUapNEjNaZxw3eNiUtykU2nrocF+0/2lM71jjmwSy4xTHPv/3WiUL2oSR3sxj+4ss6C60XTat7T0wQ5cXCvW9W804+ZX4kBcQCynP43Bfe2m1rpUCAHOuFeVJtNorRHDtVRoO/DGSsFFIhcQ/4tFuTRvgMAXcNC8f9/YBi7SryZqtZhk08YzfYv6hypDpVS2CActg7i6ylcepV7QGgs24hh4Tz5lq7P1vM98k1mYOlb52tEMQ=="
)
