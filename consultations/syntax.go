package consultations

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// yamlLine matches the line yaml.v3 puts at the start of an error.
var yamlLine = regexp.MustCompile(`^line (\d+): `)

// parseYAML parses data into root, turning a syntax error (or a panic of the
// YAML parser on hostile input) into a Problem with its line.
func parseYAML(data []byte, root *yaml.Node) (p Problem, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			p, ok = Problem{Message: fmt.Sprintf("the file could not be read as YAML (%v); check it against the example consultation file", r)}, false
		}
	}()
	if p, ok := checkCharacters(data); !ok {
		return p, false
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	err := dec.Decode(root)
	if errors.Is(err, io.EOF) {
		return Problem{}, true // an empty file, reported by the caller
	}
	if err == nil {
		var next yaml.Node
		err = dec.Decode(&next)
		if errors.Is(err, io.EOF) || err == nil && (len(next.Content) == 0 || isNull(next.Content[0])) {
			return Problem{}, true
		}
		if err == nil {
			line := next.Content[0].Line
			return Problem{Line: line, Message: fmt.Sprintf("line %d: a file holds one consultation; remove the second document, from the --- line before this one", line)}, false
		}
	}
	line, msg := splitYAMLError(err)
	if line == 0 || parserErrors[msg] {
		// yaml.v3 gives no line for line 1, and the line counted from 0
		// where the enclosing block starts for parser errors.
		switch found := syntaxLine(data, msg, line); {
		case found > 0:
			line = found
		case parserErrors[msg]:
			line++
		}
	}
	where, hint := "", "check the indentation, and put texts that contain \": \" or start with a symbol in quotes"
	if line > 0 {
		where = fmt.Sprintf("line %d: ", line)
		if lines := bytes.Split(data, []byte("\n")); line <= len(lines) && bytes.Contains(lines[line-1], []byte("\t")) {
			hint = "indent with spaces, not tabs"
		}
	}
	return Problem{
		Line:    line,
		Message: fmt.Sprintf("%snot valid YAML: %s; %s", where, msg, hint),
	}, false
}

// checkCharacters refuses what is not UTF-8 text, such as a file saved as
// Latin-1 by a spreadsheet, with the line of the first bad character: YAML
// errors about encoding carry no line.
func checkCharacters(data []byte) (Problem, bool) {
	line := 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return Problem{Line: line, Message: fmt.Sprintf("line %d: the file is not UTF-8 text; save it again choosing the UTF-8 encoding", line)}, false
		case r == '\n':
			line++
		case r < 0x20 && r != '\t' && r != '\r', r == 0x7f, r >= 0x80 && r <= 0x9f && r != 0x85, r == 0xfffe, r == 0xffff:
			return Problem{Line: line, Message: fmt.Sprintf("line %d: the file has an invisible control character (%U); delete it", line, r)}, false
		}
		i += size
	}
	return Problem{}, true
}

// splitYAMLError splits a yaml.v3 error into its line (0 if none) and message.
func splitYAMLError(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	m := yamlLine.FindStringSubmatch(msg)
	if m == nil {
		return 0, msg
	}
	line, _ := strconv.Atoi(m[1])
	return line, msg[len(m[0]):]
}

// parserErrors are the yaml.v3 errors whose line is not where the problem
// is: they carry the line, counted from 0, where the enclosing mapping or
// list starts, or none at all.
var parserErrors = map[string]bool{
	"did not find expected <document start>": true,
	"did not find expected node content":     true,
	"did not find expected '-' indicator":    true,
	"did not find expected key":              true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
}

// syntaxLine finds the line of a syntax error as the first line after
// line from such that the file, cut after that line, fails with the same
// error: YAML cut at the end of a line before the error is otherwise still
// valid, and the error stays once its line is in. The search is a bisection,
// so that it parses the file only a few times; it returns 0 when the error
// cannot be reproduced (in a second document, say).
func syntaxLine(data []byte, msg string, from int) int {
	var ends []int // ends[i] is the offset just past line i+1
	for i, b := range data {
		if b == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(ends) == 0 || ends[len(ends)-1] != len(data) {
		ends = append(ends, len(data))
	}
	fails := func(i int) bool {
		var n yaml.Node
		err := yaml.Unmarshal(data[:ends[i]], &n)
		if err == nil {
			return false
		}
		_, m := splitYAMLError(err)
		return m == msg
	}
	lo, hi := min(from, len(ends)), len(ends)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	if lo == len(ends) {
		return 0
	}
	return lo + 1
}
