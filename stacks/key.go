package stacks

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/djangofargate/djangofargate/components"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Config key types, as Pulumi.yaml declares them.
const (
	TypeString  = "string"
	TypeInteger = "integer"
	TypeBoolean = "boolean"
	// TypeArray is an array of strings; the engine passes it as JSON.
	TypeArray = "array"
)

// Key is one config key of the djangofargate namespace, as keyTable
// declares it. Keys returns them; Pulumi.yaml and the README are generated
// from them.
type Key struct {
	// Name is the key without the namespace, such as "cpu".
	Name string
	// Type is the Pulumi.yaml type: TypeString, TypeInteger, TypeBoolean or
	// TypeArray. The Pulumi CLI refuses a stack value of another type, and
	// the program refuses it the same way.
	Type string
	// Description says what the key does; Allowed and the defaults are
	// stated apart.
	Description string
	// Defaults maps each profile to the key's default there: a string, int,
	// bool or []string. Pulumi.yaml's default is the Production one.
	Defaults map[string]any
	// Allowed states what the key accepts, in words ("2 to 4"); every
	// refusal of a value out of it quotes it. Empty: any value of the type
	// (the component may still refuse it, saying why).
	Allowed string
	// Feeds lists the component arguments the key sets, as
	// "Component.field" with the field's pulumi tag ("DjangoService.cpu").
	Feeds []string
	// GivesUp says what the development profile gives up by its default,
	// for keys whose defaults differ.
	GivesUp string

	parse   func(raw string) (any, error)
	apply   func(c *Config, v any)
	targets []fieldRef
	// emptyOK: the default is "" (none), so an empty value means the default.
	emptyOK bool
}

// ProfileDependent reports whether the key's default differs between the
// profiles.
func (k Key) ProfileDependent() bool {
	return !reflect.DeepEqual(k.Defaults[Production], k.Defaults[Development])
}

// fieldRef is a component argument a key sets: the component's type name
// (a *components.FieldError's Component; "" for the stack's own settings)
// and the argument's address in a Config, by which its pulumi tag is found.
type fieldRef struct {
	component string
	args      func(c *Config) any // the component's arguments (a pointer to the struct)
	addr      func(c *Config) any // the argument (a pointer to the field)
}

// target is a component argument a key of Go type T sets.
type target[T any] struct {
	fieldRef
	set func(c *Config, v T)
}

// at is the target f picks out of the arguments args picks out of a Config.
func at[A, T any](component string, args func(*Config) *A, f func(*A) *T) target[T] {
	return target[T]{
		fieldRef: fieldRef{component, func(c *Config) any { return args(c) }, func(c *Config) any { return f(args(c)) }},
		set:      func(c *Config, v T) { *f(args(c)) = v },
	}
}

func stack[T any](f func(*Config) *T) target[T] {
	return at("", func(c *Config) *Config { return c }, f)
}

func network[T any](f func(*components.NetworkArgs) *T) target[T] {
	return at("Network", func(c *Config) *components.NetworkArgs { return &c.Network }, f)
}

func registry[T any](f func(*components.RegistryArgs) *T) target[T] {
	return at("Registry", func(c *Config) *components.RegistryArgs { return &c.Registry }, f)
}

func database[T any](f func(*components.DatabaseArgs) *T) target[T] {
	return at("Database", func(c *Config) *components.DatabaseArgs { return &c.Database }, f)
}

func storage[T any](f func(*components.StorageArgs) *T) target[T] {
	return at("Storage", func(c *Config) *components.StorageArgs { return &c.Storage }, f)
}

func service[T any](f func(*components.DjangoServiceArgs) *T) target[T] {
	return at("DjangoService", func(c *Config) *components.DjangoServiceArgs { return &c.Service }, f)
}

func alerts[T any](f func(*components.AlertsArgs) *T) target[T] {
	return at("Alerts", func(c *Config) *components.AlertsArgs { return &c.Alerts }, f)
}

func worker[T any](f func(*components.WorkerArgs) *T) target[T] {
	return at("Worker", func(c *Config) *components.WorkerArgs { return &c.Worker }, f)
}

func taskQueue[T any](f func(*components.TaskQueueArgs) *T) target[T] {
	return at("TaskQueue", func(c *Config) *components.TaskQueueArgs { return &c.WorkerQueue }, f)
}

// optional sets a pointer argument, where nil would mean the component's
// own default: the key always states the value.
func optional[T any](t target[*T]) target[T] {
	return target[T]{fieldRef: t.fieldRef, set: func(c *Config, v T) { t.set(c, &v) }}
}

// defaults are a key's default in each profile.
type defaults[T any] struct{ production, development T }

// same is a default no profile changes.
func same[T any](v T) defaults[T] { return defaults[T]{v, v} }

// byProfile is a default that depends on the profile.
func byProfile[T any](production, development T) defaults[T] {
	return defaults[T]{production, development}
}

// newKey builds a Key of Go type T from its parts.
func newKey[T any](name, typ, desc string, d defaults[T], allowed string, parse func(string) (T, error), to []target[T]) Key {
	k := Key{
		Name: name, Type: typ, Description: desc, Allowed: allowed,
		Defaults: map[string]any{Production: d.production, Development: d.development},
		parse:    func(raw string) (any, error) { return parse(raw) },
		apply: func(c *Config, v any) {
			for _, t := range to {
				t.set(c, v.(T))
			}
		},
	}
	for _, t := range to {
		k.targets = append(k.targets, t.fieldRef)
	}
	return k
}

// givesUp records what the development profile gives up by this key.
func (k Key) givesUp(text string) Key {
	k.GivesUp = text
	return k
}

// stringSet is what a string key accepts: the values listed, or any
// string when empty (the component judges it).
type stringSet []string

// anyString accepts any string; the component judges it.
func anyString() stringSet { return nil }

// oneOf accepts only the values listed.
func oneOf(values ...string) stringSet { return values }

func stringKey(name, desc string, d defaults[string], allowed stringSet, to ...target[string]) Key {
	text := ""
	if len(allowed) > 0 {
		quoted := make([]string, len(allowed))
		for i, v := range allowed {
			quoted[i] = strconv.Quote(v)
		}
		text = "one of " + strings.Join(quoted, ", ")
	}
	k := newKey(name, TypeString, desc, d, text, func(raw string) (string, error) {
		v := strings.TrimSpace(raw)
		if len(allowed) > 0 && !slices.Contains(allowed, v) {
			return "", fmt.Errorf("%q is not allowed; use %s", raw, text)
		}
		return v, nil
	}, to)
	k.emptyOK = d.production == "" && d.development == ""
	return k
}

// ints is what an integer key accepts.
type ints struct {
	min, max int    // inclusive; max 0: no maximum
	values   []int  // when set, only these
	zero     string // when set, 0 is accepted and means this
}

func between(lo, hi int) ints      { return ints{min: lo, max: hi} }
func atLeast(lo int) ints          { return ints{min: lo} }
func oneOfInts(values ...int) ints { return ints{values: slices.Clone(values)} }

// orZero also accepts 0, meaning what the text says.
func (r ints) orZero(meaning string) ints {
	r.zero = meaning
	return r
}

func (r ints) String() string {
	var s string
	switch {
	case len(r.values) > 0:
		parts := make([]string, len(r.values))
		for i, v := range r.values {
			parts[i] = strconv.Itoa(v)
		}
		s = "one of " + strings.Join(parts, ", ")
	case r.max == 0:
		s = "at least " + strconv.Itoa(r.min)
	default:
		s = fmt.Sprintf("%d to %d", r.min, r.max)
	}
	if r.zero != "" {
		s = fmt.Sprintf("0 (%s) or %s", r.zero, s)
	}
	return s
}

func (r ints) allows(n int) bool {
	switch {
	case n == 0 && r.zero != "":
		return true
	case len(r.values) > 0:
		return slices.Contains(r.values, n)
	default:
		return n >= r.min && (r.max == 0 || n <= r.max)
	}
}

func intKey(name, desc string, d defaults[int], r ints, to ...target[int]) Key {
	return newKey(name, TypeInteger, desc, d, r.String(), func(raw string) (int, error) {
		// The CLI's test of an integer stack value is strconv.Atoi
		// (sdk/go/common/workspace/project.go, ValidateConfigValue).
		n, err := strconv.Atoi(raw)
		if err != nil {
			return 0, fmt.Errorf("%q is not a whole number (the Pulumi CLI refuses it for an integer key); use %s", raw, r)
		}
		if !r.allows(n) {
			return 0, fmt.Errorf("%d is out of range; use %s", n, r)
		}
		return n, nil
	}, to)
}

func boolKey(name, desc string, d defaults[bool], to ...target[bool]) Key {
	return newKey(name, TypeBoolean, desc, d, "true or false", func(raw string) (bool, error) {
		// The CLI accepts exactly "true" and "false" for a boolean stack
		// value (ValidateConfigValue): not True, 1 or yes.
		switch raw {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return false, fmt.Errorf("%q is not a boolean; use true or false (lowercase: the Pulumi CLI refuses anything else for a boolean key)", raw)
	}, to)
}

func listKey(name, desc string, d defaults[[]string], to ...target[[]string]) Key {
	return newKey(name, TypeArray, desc, d, "a list of strings", func(raw string) ([]string, error) {
		var list []string
		if err := json.Unmarshal([]byte(raw), &list); err != nil || list == nil {
			return nil, fmt.Errorf("%q is not a list of strings; set it as a YAML list in the stack file, or with `pulumi config set --path 'corsOrigins[0]' VALUE`", raw)
		}
		return list, nil
	}, to)
}

// Keys returns every config key the program reads, in the table's order,
// with Feeds filled in.
func Keys() []Key {
	keys := keyTable()
	var c Config
	for i := range keys {
		for _, t := range keys[i].targets {
			keys[i].Feeds = append(keys[i].Feeds, t.describe(&c))
		}
	}
	return keys
}

// describe is "Component.field", or "stack.Field" for the stack's own
// settings.
func (f fieldRef) describe(c *Config) string {
	if f.component == "" {
		return "stack." + f.tag(c)
	}
	return f.component + "." + f.tag(c)
}

// tag is the pulumi tag path of the argument ("gunicorn.threads"), the
// Field of the *components.FieldError the component returns for it.
func (f fieldRef) tag(c *Config) string {
	return tagPath(reflect.ValueOf(f.args(c)).Elem(), f.addr(c))
}

// tagPath finds the field of struct v at address addr (a pointer) and
// returns its path of pulumi tags, or of Go names where there is no tag.
func tagPath(v reflect.Value, addr any) string {
	want := reflect.ValueOf(addr)
	for i := range v.NumField() {
		f := v.Field(i)
		if !v.Type().Field(i).IsExported() {
			continue
		}
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("pulumi"), ",")
		if name == "" {
			name = v.Type().Field(i).Name
		}
		if f.Addr().Pointer() == want.Pointer() && f.Addr().Type() == want.Type() {
			return name
		}
		if f.Kind() == reflect.Pointer && !f.IsNil() && f.Elem().Kind() == reflect.Struct {
			f = f.Elem() // an optional struct argument, such as *GunicornArgs
		}
		if f.Kind() == reflect.Struct {
			if sub := tagPath(f, addr); sub != "" {
				return name + "." + sub
			}
		}
	}
	return ""
}

// sortedInts returns s sorted.
func sortedInts(s []int) []int {
	slices.Sort(s)
	return s
}

// certificate is the certificateArn key's target: DjangoServiceArgs'
// CertificateArn, a Pulumi input ("" leaves it unset), and the plain value
// the stack checks against its region.
func certificate() target[string] {
	t := service(func(a *components.DjangoServiceArgs) *pulumi.StringInput { return &a.CertificateArn })
	return target[string]{fieldRef: t.fieldRef, set: func(c *Config, v string) {
		c.certificateArn = v
		if v != "" {
			t.set(c, pulumi.String(v))
		}
	}}
}
