// The upstream kube-apiserver main (k8s.io/kubernetes v1.34.4 cmd/kube-apiserver/apiserver.go),
// built by scripts/kube-apiserver.sh for the dry-run step of `npm run validate`.
package main

import (
	"os"
	_ "time/tzdata"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	command := app.NewAPIServerCommand()
	code := cli.Run(command)
	os.Exit(code)
}
