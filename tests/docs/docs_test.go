// Package docs_test keeps the library's documentation complete: every
// exported identifier of the packages users import has a doc comment, which
// is where the design rules put each default, cost and danger.
package docs_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/tests/testutil"
)

// documented are the packages users import, relative to the repository
// root. A package listed here that does not exist fails the test, so a
// rename cannot silently drop it from the check.
var documented = []string{"components", "policy"}

// TestExportedNamesHaveDocComments fails naming every exported type, func,
// method, const, var, struct field and interface method without a doc
// comment.
func TestExportedNamesHaveDocComments(t *testing.T) {
	for _, dir := range documented {
		t.Run(dir, func(t *testing.T) {
			path := filepath.Join(testutil.RepoRoot(), dir)
			if _, err := os.Stat(path); os.IsNotExist(err) && dir == "policy" {
				t.Skip("no policy package yet")
			}
			missing, err := undocumented(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range missing {
				t.Errorf("%s: no doc comment", m)
			}
		})
	}
}

// TestUndocumentedFindsEachKind protects the checker itself: each kind of
// exported name without a comment is reported, and each accepted form of
// documentation is not.
func TestUndocumentedFindsEachKind(t *testing.T) {
	const src = `package p

// Doc is documented.
type Doc struct {
	// A is documented.
	A int
	B int // B has a line comment.
	// C, D and X share this comment.
	C int
	D int
	X int

	E int
	F, G int
	hidden int
	Embedded
}

type Bare struct{}

type unexported struct{ Exposed int }

// Iface is documented.
type Iface interface {
	// M is documented.
	M()
	N()
}

// Grouped constants share the group's comment.
const (
	One = 1
	Two = 2
)

const (
	// Three is documented.
	Three = 3
	Four  = 4
)

var Loose = 1

func Func() {}

// Documented is documented.
func Documented() {}

func (Doc) Method() {}

func (unexported) Method() {}

func (*Bare) Pointer() {}
`
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "p.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := undocumented(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"p.go:13 field Doc.E",
		"p.go:14 field Doc.F",
		"p.go:14 field Doc.G",
		"p.go:19 type Bare",
		"p.go:27 method Iface.N",
		"p.go:39 const Four",
		"p.go:42 var Loose",
		"p.go:44 func Func",
		"p.go:49 method Doc.Method",
		"p.go:53 method Bare.Pointer",
	}
	if !slices.Equal(got, want) {
		t.Errorf("undocumented names:\ngot  %q\nwant %q", got, want)
	}
}

// undocumented parses the non-test Go files of dir and returns, sorted by
// position, "file:line kind Name" for each exported name without a doc
// comment. A struct field also counts as documented when it continues, line
// after line, a run of fields whose first doc comment names it.
func undocumented(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	type finding struct {
		pos  token.Position
		what string
	}
	var found []finding
	report := func(pos token.Pos, kind, name string) {
		found = append(found, finding{fset.Position(pos), kind + " " + name})
	}
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				name, recv := d.Name.Name, receiverType(d)
				if !ast.IsExported(name) || (recv != "" && !ast.IsExported(recv)) || d.Doc != nil {
					continue
				}
				if recv != "" {
					report(d.Pos(), "method", recv+"."+name)
				} else {
					report(d.Pos(), "func", name)
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						if !ast.IsExported(s.Name.Name) {
							continue
						}
						if s.Doc == nil && s.Comment == nil && d.Doc == nil {
							report(s.Pos(), "type", s.Name.Name)
						}
						for _, m := range members(fset, s) {
							report(m.pos, m.kind, s.Name.Name+"."+m.name)
						}
					case *ast.ValueSpec:
						if s.Doc != nil || s.Comment != nil || d.Doc != nil {
							continue
						}
						for _, n := range s.Names {
							if ast.IsExported(n.Name) {
								report(n.Pos(), d.Tok.String(), n.Name)
							}
						}
					}
				}
			}
		}
	}
	slices.SortFunc(found, func(a, b finding) int {
		if c := strings.Compare(a.pos.Filename, b.pos.Filename); c != 0 {
			return c
		}
		return a.pos.Offset - b.pos.Offset
	})
	out := make([]string, len(found))
	for i, f := range found {
		out[i] = fmt.Sprintf("%s:%d %s", filepath.Base(f.pos.Filename), f.pos.Line, f.what)
	}
	return out, nil
}

// receiverType returns the name of a method's receiver type, or "" for a func.
func receiverType(d *ast.FuncDecl) string {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return ""
	}
	typ := d.Recv.List[0].Type
	if star, ok := typ.(*ast.StarExpr); ok {
		typ = star.X
	}
	switch x := typ.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.IndexExpr: // a generic receiver, T[P]
		if id, ok := x.X.(*ast.Ident); ok {
			return id.Name
		}
	case *ast.IndexListExpr:
		if id, ok := x.X.(*ast.Ident); ok {
			return id.Name
		}
	}
	return ""
}

// member is an undocumented field or interface method.
type member struct {
	name, kind string
	pos        token.Pos
}

// members returns the undocumented exported fields of a struct type, or
// methods of an interface type. Embedded fields are skipped: they are
// documented where their type is declared.
func members(fset *token.FileSet, s *ast.TypeSpec) []member {
	var list *ast.FieldList
	kind := "field"
	switch t := s.Type.(type) {
	case *ast.StructType:
		list = t.Fields
	case *ast.InterfaceType:
		list, kind = t.Methods, "method"
	default:
		return nil
	}
	var out []member
	var prev, head *ast.Field // the field above, and the documented field its run of lines started with
	for _, f := range list.List {
		switch {
		case f.Doc != nil:
			head = f
		case prev == nil || fset.Position(f.Pos()).Line != fset.Position(prev.End()).Line+1:
			head = nil
		}
		for _, n := range f.Names {
			if !ast.IsExported(n.Name) || f.Doc != nil || f.Comment != nil || names(head, n.Name) {
				continue
			}
			out = append(out, member{n.Name, kind, n.Pos()})
		}
		prev = f
	}
	return out
}

// names reports whether head's doc comment names name: a comment written
// for a run of fields on consecutive lines ("MinTasks and MaxTasks bound...").
func names(head *ast.Field, name string) bool {
	if head == nil {
		return false
	}
	isWord := func(r rune) bool {
		return r == '_' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z'
	}
	return slices.Contains(strings.FieldsFunc(head.Doc.Text(), func(r rune) bool { return !isWord(r) }), name)
}
