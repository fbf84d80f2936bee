// kubemark-flags prints every flag kubemark's command line accepts, with its type and
// default, as JSON. It builds the command as cmd/kubemark does (app.NewHollowNodeCommand,
// then what component-base's cli.Run adds before Execute: the word-separator normalisation
// and the logging flags) and lets cobra merge its flag sets (help, pflag.CommandLine with
// --version), without running anything.
//
// The extension's flag table (src/core/flags.ts) is checked against its output, which is
// kept in src/core/kubemark-flags.v<minor>.json:
//
//	cd lab && go run ./cmd/kubemark-flags > ../src/core/kubemark-flags.v1.37.json
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"github.com/spf13/pflag"
	cliflag "k8s.io/component-base/cli/flag"
	"k8s.io/component-base/logs"
	"k8s.io/component-base/version"
	"k8s.io/kubernetes/cmd/kubemark/app"
)

type flagInfo struct {
	Name        string `json:"name"`
	Shorthand   string `json:"shorthand,omitempty"`
	Type        string `json:"type"`
	Default     string `json:"default"`
	NoOptDefVal string `json:"noOptDefVal,omitempty"`
	Deprecated  string `json:"deprecated,omitempty"`
	Hidden      bool   `json:"hidden,omitempty"`
	Usage       string `json:"usage"`
}

type output struct {
	Source            string     `json:"source"`
	KubernetesModule  string     `json:"kubernetesModule"`
	KubernetesVersion string     `json:"kubernetesVersion,omitempty"`
	Flags             []flagInfo `json:"flags"`
}

func main() {
	cmd := app.NewHollowNodeCommand()
	// As k8s.io/component-base/cli.Run does before cmd.Execute().
	cmd.SetGlobalNormalizationFunc(cliflag.WordSepNormalizeFunc)
	logs.AddFlags(cmd.PersistentFlags())
	// What cobra adds when it executes: --help, and the persistent and parent flag sets
	// (pflag.CommandLine, which holds verflag's --version) merged into cmd.Flags().
	cmd.InitDefaultHelpFlag()
	if err := cmd.ParseFlags(nil); err != nil {
		fmt.Fprintf(os.Stderr, "kubemark-flags: parsing an empty command line failed: %v\n", err)
		os.Exit(1)
	}

	var flags []flagInfo
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		flags = append(flags, flagInfo{
			Name:        f.Name,
			Shorthand:   f.Shorthand,
			Type:        f.Value.Type(),
			Default:     f.DefValue,
			NoOptDefVal: f.NoOptDefVal,
			Deprecated:  f.Deprecated,
			Hidden:      f.Hidden,
			Usage:       f.Usage,
		})
	})
	sort.Slice(flags, func(i, j int) bool { return flags[i].Name < flags[j].Name })

	out := output{
		Source:           "lab/cmd/kubemark-flags (app.NewHollowNodeCommand of k8s.io/kubernetes, as cli.Run sets it up)",
		KubernetesModule: moduleVersion(),
		Flags:            flags,
	}
	if v := version.Get().GitVersion; v != "" && v != "v0.0.0-master+$Format:%H$" {
		out.KubernetesVersion = v
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintf(os.Stderr, "kubemark-flags: %v\n", err)
		os.Exit(1)
	}
}
