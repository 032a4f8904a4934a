package components

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	// The time zone database, so a time zone is checked the same on a
	// machine without one (a CI container) as on a workstation.
	_ "time/tzdata"
)

// ValidateScheduleExpression checks an EventBridge Scheduler expression
// and says what is wrong with a bad one. The grammar, from the Scheduler
// user guide ("Schedule types on EventBridge Scheduler") and the EventBridge
// user guide's cron reference:
//
//   - rate(value unit): value a positive whole number; unit minute, hour or
//     day when value is 1, minutes, hours or days otherwise.
//   - cron(minutes hours day-of-month month day-of-week year): six fields.
//     Minutes 0-59, hours 0-23, day-of-month 1-31 (also ? L W), month 1-12
//     or JAN-DEC, day-of-week 1-7 or SUN-SAT (also ? L #), year 1970-2199;
//     lists (,), ranges (-), all (*) and increments (/). Exactly one of the
//     day fields is ?: a value or * in one needs ? in the other.
//   - at(yyyy-mm-ddThh:mm:ss): one run, in the schedule's time zone.
func ValidateScheduleExpression(expr string) error {
	kind, body, ok := strings.Cut(expr, "(")
	if !ok || !strings.HasSuffix(body, ")") || strings.Count(expr, "(") != 1 {
		return fmt.Errorf("%q is not a schedule expression; use cron(minutes hours day-of-month month day-of-week year), rate(value unit) or at(yyyy-mm-ddThh:mm:ss)", expr)
	}
	body = strings.TrimSuffix(body, ")")
	var err error
	switch kind {
	case "rate":
		err = validateRate(body)
	case "cron":
		err = validateCron(body)
	case "at":
		if _, perr := time.Parse("2006-01-02T15:04:05", body); perr != nil {
			err = fmt.Errorf("is not a date and time yyyy-mm-ddThh:mm:ss")
		}
	default:
		return fmt.Errorf("%q is not a schedule expression: %q is not cron, rate or at", expr, kind)
	}
	if err != nil {
		return fmt.Errorf("%q %v", expr, err)
	}
	return nil
}

func validateRate(body string) error {
	f := strings.Fields(body)
	if len(f) != 2 {
		return fmt.Errorf("has %d fields; a rate is rate(value unit), such as rate(1 day) or rate(15 minutes)", len(f))
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n < 1 || f[0][0] == '0' {
		return fmt.Errorf("has the value %q; a rate's value is a positive whole number", f[0])
	}
	singular, plural := []string{"minute", "hour", "day"}, []string{"minutes", "hours", "days"}
	want := plural
	if n == 1 {
		want = singular
	}
	for _, u := range want {
		if f[1] == u {
			return nil
		}
	}
	return fmt.Errorf("has the unit %q; with the value %d use one of %s", f[1], n, strings.Join(want, ", "))
}

// cronField is what one cron field accepts.
type cronField struct {
	name     string
	lo, hi   int
	names    []string // JAN..DEC or SUN..SAT, numbered from lo
	question bool     // ? allowed
	extra    *regexp.Regexp
}

var (
	months = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
	days   = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
	// The special forms: L (last day), LW (last weekday), 15W (the weekday
	// nearest the 15th) in day-of-month; L, 6L (the last Friday) and 3#2
	// (the second Tuesday) in day-of-week.
	domExtra = regexp.MustCompile(`^(L|LW|([1-9]|[12][0-9]|3[01])W)$`)
	dowExtra = regexp.MustCompile(`^(L|[1-7]L|[1-7]#[1-5]|(SUN|MON|TUE|WED|THU|FRI|SAT)(L|#[1-5]))$`)
)

var cronFields = []cronField{
	{name: "minutes", lo: 0, hi: 59},
	{name: "hours", lo: 0, hi: 23},
	{name: "day-of-month", lo: 1, hi: 31, question: true, extra: domExtra},
	{name: "month", lo: 1, hi: 12, names: months},
	{name: "day-of-week", lo: 1, hi: 7, names: days, question: true, extra: dowExtra},
	{name: "year", lo: 1970, hi: 2199},
}

func validateCron(body string) error {
	f := strings.Fields(body)
	if len(f) != len(cronFields) {
		hint := ""
		if len(f) == 5 {
			hint = " (a Unix crontab has five; add the year, usually *, and put ? in day-of-month or day-of-week: cron(0 3 * * ? *))"
		}
		return fmt.Errorf("has %d fields; a cron expression has six: minutes hours day-of-month month day-of-week year%s", len(f), hint)
	}
	for i, spec := range cronFields {
		if err := spec.check(f[i]); err != nil {
			return fmt.Errorf("has the %s field %q: %v", spec.name, f[i], err)
		}
	}
	dom, dow := f[2], f[4]
	if (dom == "?") == (dow == "?") {
		return fmt.Errorf("has day-of-month %q and day-of-week %q; exactly one of them must be ? (a value or * in one needs ? in the other)", dom, dow)
	}
	return nil
}

func (c cronField) check(v string) error {
	if v == "?" {
		if !c.question {
			return fmt.Errorf("? is allowed only in day-of-month and day-of-week")
		}
		return nil
	}
	if c.extra != nil && c.extra.MatchString(v) {
		return nil
	}
	if c.name == "day-of-week" && strings.Contains(v, "#") && strings.Contains(v, ",") {
		return fmt.Errorf("a # form cannot be part of a list")
	}
	for _, item := range strings.Split(v, ",") {
		if err := c.item(item); err != nil {
			return err
		}
	}
	return nil
}

// item checks one list item: *, a value, a range a-b, or a start (*, a
// value or a range) with an increment /n.
func (c cronField) item(item string) error {
	base, step, hasStep := strings.Cut(item, "/")
	if hasStep {
		n, err := strconv.Atoi(step)
		if err != nil || n < 1 {
			return fmt.Errorf("the increment %q is not a positive whole number", step)
		}
		if c.names != nil && c.name == "day-of-week" {
			return fmt.Errorf("increments (/) are not allowed in day-of-week")
		}
	}
	if base == "*" {
		return nil
	}
	lo, hi, isRange := strings.Cut(base, "-")
	a, err := c.value(lo)
	if err != nil {
		return err
	}
	if isRange {
		b, err := c.value(hi)
		if err != nil {
			return err
		}
		if b < a && c.names == nil {
			return fmt.Errorf("the range %s runs backwards", base)
		}
	}
	return nil
}

func (c cronField) value(s string) (int, error) {
	for i, n := range c.names {
		if strings.EqualFold(s, n) {
			return c.lo + i, nil
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < c.lo || n > c.hi {
		allowed := fmt.Sprintf("%d-%d", c.lo, c.hi)
		if c.names != nil {
			allowed += " or " + c.names[0] + "-" + c.names[len(c.names)-1]
		}
		return 0, fmt.Errorf("%q is not a value of %s", s, allowed)
	}
	return n, nil
}

// ValidateTimezone checks an IANA time zone name, as ScheduledCommand.Timezone
// takes it.
func ValidateTimezone(tz string) error {
	if tz == "Local" {
		return fmt.Errorf("%q is not an IANA time zone name; use a name such as \"Europe/Paris\" or \"UTC\"", tz)
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return fmt.Errorf("%q is not an IANA time zone name; use a name such as \"Europe/Paris\" or \"UTC\"", tz)
	}
	return nil
}
