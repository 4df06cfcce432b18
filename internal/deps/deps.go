package deps

import (
	_ "github.com/coder/websocket"
	_ "github.com/tidwall/btree"
	_ "github.com/tidwall/buntdb"
	_ "github.com/tidwall/gjson"
	_ "github.com/tidwall/match"
	_ "golang.org/x/crypto/argon2"
)
