package synth

import (
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Secret is what every format shows in place of a secret value: the string
// the Pulumi CLI prints for secrets in `pulumi preview --json` and in its
// config map (display.MassageSecrets and config.NewBlindingDecrypter).
const Secret = "[secret]"

// Unknown is the value the CLI's JSON shows for a value not known until the
// deployment runs (sig.UnknownStringValue).
const Unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

// plainMap converts a property map to plain JSON values, as the CLI
// serializes states in its preview document: secrets become Secret, unknowns
// Unknown, resource references their signed map, assets and archives their
// serialized form. It returns nil for an empty map.
func plainMap(m resource.PropertyMap) map[string]any {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[string(k)] = plain(v)
	}
	return out
}

func plain(v resource.PropertyValue) any {
	switch {
	case v.IsNull():
		return nil
	case v.IsSecret():
		return Secret
	case v.IsComputed():
		return Unknown
	case v.IsOutput():
		o := v.OutputValue()
		switch {
		case o.Secret:
			return Secret
		case !o.Known:
			return Unknown
		}
		return plain(o.Element)
	case v.IsBool():
		return v.BoolValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsString():
		return v.StringValue()
	case v.IsArray():
		arr := v.ArrayValue()
		out := make([]any, len(arr))
		for i, e := range arr {
			out[i] = plain(e)
		}
		return out
	case v.IsObject():
		m := plainMap(v.ObjectValue())
		if m == nil {
			m = map[string]any{}
		}
		return m
	case v.IsAsset():
		return v.AssetValue().Serialize()
	case v.IsArchive():
		return v.ArchiveValue().Serialize()
	case v.IsResourceReference():
		ref := v.ResourceReferenceValue()
		out := map[string]any{
			resource.SigKey:  resource.ResourceReferenceSig,
			"urn":            string(ref.URN),
			"packageVersion": ref.PackageVersion,
		}
		if id, ok := ref.IDString(); ok {
			out["id"] = id
		}
		return out
	}
	return nil
}

// maskSecrets replaces a whole value with Secret when secret is true.
func maskSecrets(v any, secret bool) any {
	if secret {
		return Secret
	}
	return v
}

// lookup follows a dotted path ("natGateways.strategy", "listeners.0.port")
// through plain values; it returns nil where the path does not exist or the
// value is not known.
func lookup(v any, path string) any {
	if path != "" {
		for _, part := range strings.Split(path, ".") {
			switch x := v.(type) {
			case map[string]any:
				v = x[part]
			case []any:
				i, err := strconv.Atoi(part)
				if err != nil || i < 0 || i >= len(x) {
					return nil
				}
				v = x[i]
			default:
				return nil
			}
		}
	}
	if v == Unknown {
		return nil
	}
	return v
}

// str returns the value at path as text ("" when absent, unknown or secret).
func str(v any, path string) string {
	switch x := lookup(v, path).(type) {
	case string:
		if x == Secret {
			return ""
		}
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// num returns the value at path as a number, accepting numeric strings
// (ECS takes task CPU and memory as strings).
func num(v any, path string) (float64, bool) {
	switch x := lookup(v, path).(type) {
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}

// boolean returns the value at path as a bool, accepting "true"/"false".
func boolean(v any, path string) (value, ok bool) {
	switch x := lookup(v, path).(type) {
	case bool:
		return x, true
	case string:
		b, err := strconv.ParseBool(x)
		return b, err == nil
	}
	return false, false
}

// strings collects every string anywhere in a plain value: the ids and ARNs
// a resource's inputs mention, used to follow references between resources.
func stringsIn(v any, into map[string]bool) {
	switch x := v.(type) {
	case string:
		into[x] = true
	case []any:
		for _, e := range x {
			stringsIn(e, into)
		}
	case map[string]any:
		for _, e := range x {
			stringsIn(e, into)
		}
	}
}

// formatNumber prints a number without a trailing ".0".
func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
