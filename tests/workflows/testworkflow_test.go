package workflows_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var shBlock = regexp.MustCompile("(?s)```sh\n(.*?)```")

// readmeTestCommand returns the README's test command: the second of "The
// two commands" (the first runs the program, the second every test), without
// its comment.
func readmeTestCommand(t *testing.T) string {
	t.Helper()
	section := readmeSection(t, "## The two commands")
	m := shBlock.FindStringSubmatch(section)
	if m == nil {
		t.Fatal("README.md, The two commands: no ```sh block")
	}
	var commands []string
	for _, line := range strings.Split(m[1], "\n") {
		cmd, _, _ := strings.Cut(line, "#")
		if cmd = strings.TrimSpace(cmd); cmd != "" {
			commands = append(commands, cmd)
		}
	}
	if len(commands) != 2 {
		t.Fatalf("README.md, The two commands: got commands %q, want two", commands)
	}
	return commands[1]
}

// runsCommand says whether the workflow runs cmd, as one whole line of a
// run: step, on pull requests and on pushes to main, in a job whose Go
// module and build caches are kept by actions/setup-go.
func runsCommand(w *workflow, cmd string) error {
	triggers := w.triggers()
	if !slices.Contains(triggers, "pull_request") {
		return fmt.Errorf("%s: runs on %q, want pull_request among them", w.File, triggers)
	}
	push := w.trigger("push")
	if !slices.Contains(triggers, "push") || push == nil || !slices.Contains(strs(mappingOrEmpty(push, "branches")), "main") {
		return fmt.Errorf("%s: does not run on pushes to main", w.File)
	}
	for _, j := range w.jobsInOrder() {
		for i, s := range j.Steps {
			lines := strings.Split(s.Run, "\n")
			if !slices.ContainsFunc(lines, func(l string) bool { return strings.TrimSpace(l) == cmd }) {
				continue
			}
			goSetup := slices.IndexFunc(j.Steps[:i], func(p step) bool {
				return actionRepo(p.Uses) == "actions/setup-go" && p.With["cache"] != "false"
			})
			if goSetup < 0 {
				return fmt.Errorf("%s: job %s runs %q with no actions/setup-go step (with its caches) before it", w.File, j.ID, cmd)
			}
			return nil
		}
	}
	return fmt.Errorf("%s: no step runs the line %q", w.File, cmd)
}

// mappingOrEmpty is mapping with a zero node for a missing key.
func mappingOrEmpty(n *yamlNode, key string) *yamlNode {
	if v := mapping(n, key); v != nil {
		return v
	}
	return &yamlNode{}
}

// TestTestWorkflowRunsTheReadmeCommand (issue 14, item 1): the test workflow
// runs the README's test command as it is, on pull requests and pushes to
// main, with the Go caches. Change the command in the README or the
// workflow alone, and this fails.
func TestTestWorkflowRunsTheReadmeCommand(t *testing.T) {
	cmd := readmeTestCommand(t)
	if err := runsCommand(workflowNamed(t, "test.yml"), cmd); err != nil {
		t.Error(err)
	}
}

// TestRunsCommandRefuses protects the check itself.
func TestRunsCommandRefuses(t *testing.T) {
	const cmd = "bash scripts/test.sh"
	const on = "on:\n  pull_request:\n  push:\n    branches: [main]\n"
	const setup = "      - uses: actions/setup-go@0123456789012345678901234567890123456789\n        with: {cache: true}\n"
	cases := []struct {
		name, src, want string
	}{
		{"the command", on + "jobs:\n  t:\n    steps:\n" + setup + "      - run: bash scripts/test.sh\n", ""},
		{"the command among others", on + "jobs:\n  t:\n    steps:\n" + setup + "      - run: |\n          echo hi\n          bash scripts/test.sh\n", ""},
		{"another command", on + "jobs:\n  t:\n    steps:\n" + setup + "      - run: go test ./...\n", "no step runs"},
		{"the command with arguments", on + "jobs:\n  t:\n    steps:\n" + setup + "      - run: bash scripts/test.sh -short\n", "no step runs"},
		{"no Go caches", on + "jobs:\n  t:\n    steps:\n      - run: bash scripts/test.sh\n", "no actions/setup-go"},
		{"caches off", on + "jobs:\n  t:\n    steps:\n      - uses: actions/setup-go@v7\n        with: {cache: false}\n      - run: bash scripts/test.sh\n", "no actions/setup-go"},
		{"not on pull requests", "on:\n  push:\n    branches: [main]\njobs:\n  t:\n    steps:\n" + setup + "      - run: bash scripts/test.sh\n", "want pull_request"},
		{"not on main", "on:\n  pull_request:\n  push:\n    branches: [dev]\njobs:\n  t:\n    steps:\n" + setup + "      - run: bash scripts/test.sh\n", "pushes to main"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w, err := parseWorkflow("case.yml", []byte(c.src))
			if err != nil {
				t.Fatal(err)
			}
			err = runsCommand(w, cmd)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("got %v, want nil", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}
