// Command tz-check judges the library's time zone rule (lib/core/time-zone.ts) with the code Argo
// Workflows' controller runs on a CronWorkflow's spec.timezone: Go's time.LoadLocation with the tz
// database embedded (`_ "time/tzdata"`, as cmd/workflow-controller/main.go imports it;
// validate.CronWorkflow, workflow/validate/validate.go, argo-workflows v4.1.2) and robfig/cron v3.0.1
// (Argo's go.mod) parsing the schedule prefixed `CRON_TZ=<zone>` as the cron controller does
// (CronWorkflowSpec.withTimezone).
//
// Usage: tz-check <zoneinfo.zip> <names.json>, names.json = {"accepted": [...], "refused": [...]}:
// every name the rule accepts, and wrong inputs it refuses. Fails unless the accepted names are
// exactly the names of the Go toolchain's zoneinfo.zip (what time/tzdata embeds), each loads and
// parses, and each refused one fails to load and parse (but for the names the rule refuses on
// purpose though Go loads them: "" and "Local").
package main

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"
	_ "time/tzdata"

	"github.com/robfig/cron/v3"
)

// Names Go loads that the library refuses on purpose (lib/core/time-zone.ts): "" means UTC to Go and
// "unset" to Argo; "Local" is the controller's own clock.
var stricter = map[string]bool{"": true, "Local": true}

type names struct {
	Accepted []string `json:"accepted"`
	Refused  []string `json:"refused"`
}

func loads(name string) error {
	if _, err := time.LoadLocation(name); err != nil {
		return err
	}
	_, err := cron.ParseStandard("CRON_TZ=" + name + " 0 3 * * 0")
	return err
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: tz-check <zoneinfo.zip> <names.json>")
		os.Exit(2)
	}
	zr, err := zip.OpenReader(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "tz-check:", err)
		os.Exit(2)
	}
	database := map[string]bool{}
	for _, f := range zr.File {
		if !strings.HasSuffix(f.Name, "/") {
			database[f.Name] = true
		}
	}
	raw, err := os.ReadFile(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "tz-check:", err)
		os.Exit(2)
	}
	var n names
	if err := json.Unmarshal(raw, &n); err != nil {
		fmt.Fprintln(os.Stderr, "tz-check:", err)
		os.Exit(2)
	}
	var problems []string
	accepted := map[string]bool{}
	for _, name := range n.Accepted {
		accepted[name] = true
		if !database[name] {
			problems = append(problems, fmt.Sprintf("%q is accepted but is not in the tz database of %s", name, os.Args[1]))
		}
		if err := loads(name); err != nil {
			problems = append(problems, fmt.Sprintf("%q is accepted but the controller refuses it: %v", name, err))
		}
	}
	var missing []string
	for name := range database {
		if !accepted[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	for _, name := range missing {
		problems = append(problems, fmt.Sprintf("%q is in the tz database but refused", name))
	}
	for _, name := range n.Refused {
		if err := loads(name); err == nil && !stricter[name] {
			problems = append(problems, fmt.Sprintf("%q is refused but the controller loads it", name))
		}
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(os.Stderr, "tz-check:", p)
		}
		os.Exit(1)
	}
	fmt.Printf("tz-check: %d accepted names are the tz database of %s and load in time.LoadLocation and robfig/cron; %d refused names do not (but %d refused on purpose)\n",
		len(n.Accepted), os.Args[1], len(n.Refused), countStricter(n.Refused))
}

func countStricter(refused []string) int {
	c := 0
	for _, name := range refused {
		if stricter[name] {
			c++
		}
	}
	return c
}
