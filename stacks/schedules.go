package stacks

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/djangofargate/djangofargate/components"
)

// scheduleFormat is how a schedules entry is written, for error messages.
const scheduleFormat = `"NAME EXPRESSION COMMAND...", such as "clearsessions cron(0 3 * * ? *) python manage.py clearsessions"`

// parseSchedule reads one schedules entry: a name, a schedule expression
// (cron(...), rate(...) or at(...), spaces allowed inside the parentheses)
// and the command, split on spaces, or a JSON array of strings when an
// argument holds spaces: `report rate(1 day) ["python", "manage.py", "report", "--title", "Daily report"]`.
func parseSchedule(entry string) (components.ScheduledCommand, error) {
	var c components.ScheduledCommand
	s := strings.TrimSpace(entry)
	name, rest, ok := strings.Cut(s, " ")
	if !ok {
		return c, fmt.Errorf("%q has no schedule and command; write %s", entry, scheduleFormat)
	}
	rest = strings.TrimSpace(rest)
	end := strings.Index(rest, ")")
	if end < 0 || !strings.Contains(rest[:end], "(") {
		return c, fmt.Errorf("%q has no schedule expression after the name %q; write %s", entry, name, scheduleFormat)
	}
	c.Name, c.Schedule = name, rest[:end+1]
	command := strings.TrimSpace(rest[end+1:])
	if strings.HasPrefix(command, "[") {
		if err := json.Unmarshal([]byte(command), &c.Command); err != nil {
			return c, fmt.Errorf("%q: the command %s is not a JSON array of strings", entry, command)
		}
	} else {
		c.Command = strings.Fields(command)
	}
	return c, nil
}

// ScheduledCommands are the commands the schedules key runs, each with
// the scheduleTimezone key's time zone; nil when schedules is empty. The
// error names the key and the entry.
func (c *Config) ScheduledCommands() ([]components.ScheduledCommand, error) {
	var out []components.ScheduledCommand
	for i, entry := range c.Schedules {
		cmd, err := parseSchedule(entry)
		if err != nil {
			return nil, keyError("schedules", "schedules[%d]: %v", i, err)
		}
		cmd.Timezone = c.ScheduleTimezone
		out = append(out, cmd)
	}
	return out, nil
}

// checkSchedules validates the schedules against the ScheduledCommands
// component's rules, named (name is the component's; "" skips the name
// limits), and names the schedules entry a refusal is about.
func (c *Config) checkSchedules(name string) error {
	// A bad time zone is refused with no schedules too: it is a typo either way.
	if err := components.ValidateTimezone(c.ScheduleTimezone); err != nil {
		return keyError("scheduleTimezone", "%v", err)
	}
	cmds, err := c.ScheduledCommands()
	if err != nil || len(cmds) == 0 {
		return err
	}
	err = components.ScheduledCommandsArgs{Commands: cmds}.ValidateNamed(name)
	var fe *components.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	if strings.HasSuffix(fe.Field, ".timezone") {
		return keyError("scheduleTimezone", "%s", fe.Reason)
	}
	field := strings.Replace(fe.Field, "commands", "schedules", 1)
	if field == "name" {
		return err
	}
	return keyError("schedules", "%s: %s", field, fe.Reason)
}
