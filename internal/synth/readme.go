package synth

import (
	"fmt"
	"strings"
)

// EndMarker closes a diagram block in a Markdown file.
const EndMarker = "<!-- /synth:mermaid -->"

// BeginMarker opens the block holding a stack's diagram in a Markdown file:
// "<!-- synth:mermaid prod -->". The block runs to the next EndMarker.
func BeginMarker(stack string) string { return "<!-- synth:mermaid " + stack + " -->" }

// block finds the stack's block in doc and returns the offsets of its
// content: the text after the begin marker's line and before the end marker.
func block(doc, stack string) (start, end int, err error) {
	begin := BeginMarker(stack)
	i := strings.Index(doc, begin)
	if i < 0 {
		return 0, 0, fmt.Errorf("no line %q", begin)
	}
	start = i + len(begin)
	if nl := strings.IndexByte(doc[start:], '\n'); nl >= 0 {
		start += nl + 1
	} else {
		start = len(doc)
	}
	j := strings.Index(doc[start:], EndMarker)
	if j < 0 {
		return 0, 0, fmt.Errorf("no line %q after %q", EndMarker, begin)
	}
	return start, start + j, nil
}

// Embedded returns the content of the stack's diagram block in doc.
func Embedded(doc, stack string) (string, error) {
	start, end, err := block(doc, stack)
	if err != nil {
		return "", err
	}
	return doc[start:end], nil
}

// Embed returns doc with the content of the stack's diagram block replaced
// by content; the markers stay where they are.
func Embed(doc, stack, content string) (string, error) {
	start, end, err := block(doc, stack)
	if err != nil {
		return "", err
	}
	if content != "" && !strings.HasSuffix(content, "\n") {
		content += "\n"
	}
	return doc[:start] + content + doc[end:], nil
}
