// Command etcd runs the upstream etcd server (go.etcd.io/etcd/server/v3).
// etcd's own go.mod carries local replace directives, so `go install` of it
// fails; this two-line main builds the same program from the module proxy.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
