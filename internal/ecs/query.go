package ecs

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The cluster query language of memberOf constraints (§10.2):
//
//	expression := or
//	or         := and { ("||" | "or") and }
//	and        := unary { ("&&" | "and") unary }
//	unary      := ("!" | "not") unary | "(" expression ")" | predicate
//	predicate  := subject operator [argument]
//	argument   := value | "[" value { "," value } "]"
//	value      := word | 'quoted' | "quoted"
//
// Subjects: agentConnected, agentVersion, attribute:<name>, ec2InstanceId,
// registeredAt, runningTasksCount, task:group. Operators and their word
// forms: == equals, != not_equals, > greater_than, >= greater_than_equal,
// < less_than, <= less_than_equal, exists, !exists not_exists, in,
// !in not_in, =~ matches, !~ not_matches.
//
// Choices where the documentation is silent:
//   - A bare word runs until whitespace or one of ()[],'"=!<>&|~, so a regular
//     expression using those characters must be quoted.
//   - =~ matches the whole value (Java's String.matches), using Go's RE2
//     syntax; Java-only constructs fail to parse.
//   - A subject can have several values (task:group has one per task on the
//     instance) or none (a missing attribute). The positive operators hold
//     if any value satisfies them; != !in !~ !exists are the negations of
//     == in =~ exists, so they hold for a missing attribute.
//   - Ordering compares numbers numerically, versions ("1.14.5", "v1.2")
//     part by part, registeredAt as a time (the argument is a date
//     2006-01-02 or RFC 3339), anything else as strings.

// MaxExpressionLen is the longest expression accepted (the API's limit for
// a constraint expression is 2000 characters).
const MaxExpressionLen = 2000

// maxExpressionDepth bounds nesting so a hostile expression cannot exhaust
// the stack.
const maxExpressionDepth = 64

// QueryInput is what an expression is evaluated against: one container
// instance and the task groups of the tasks on it that are not STOPPED.
type QueryInput struct {
	Instance   *ContainerInstance
	TaskGroups []string
}

// Expression is a parsed cluster query language expression. It is
// immutable and safe for concurrent use.
type Expression struct {
	root qnode
}

// ParseExpression parses s. Errors are InvalidParameterException (their
// texts are unconfirmed).
func ParseExpression(s string) (*Expression, error) {
	if len(s) > MaxExpressionLen {
		return nil, NewInvalidParameter("The expression exceeds the maximum length of %d characters.", MaxExpressionLen)
	}
	toks, err := lex(s)
	if err != nil {
		return nil, exprError(s, err.Error())
	}
	p := &qparser{toks: toks}
	n, msg := p.or(0)
	if msg == "" && p.pos < len(p.toks) {
		msg = "unexpected " + p.toks[p.pos].String()
	}
	if msg != "" {
		return nil, exprError(s, msg)
	}
	return &Expression{root: n}, nil
}

func exprError(src, msg string) *Error {
	return NewInvalidParameter("Invalid expression '%s': %s.", src, msg)
}

// Match reports whether the instance in in satisfies the expression.
func (e *Expression) Match(in QueryInput) bool {
	if in.Instance == nil {
		return false
	}
	return e.root.eval(&in)
}

// String returns the expression in canonical form: symbolic operators,
// compound expressions in parentheses, values quoted where needed.
// ParseExpression(e.String()) gives an equal expression.
func (e *Expression) String() string {
	var b strings.Builder
	e.root.write(&b)
	return b.String()
}

// --- lexer ---

type tokKind int

const (
	tokWord tokKind = iota
	tokQuoted
	tokSym // operators, ( ) [ ] ,
)

type token struct {
	kind tokKind
	text string
}

func (t token) String() string { return strconv.Quote(t.text) }

// symbols, longest first so "==" wins over "=" prefixes.
var symbols = []string{"==", "!=", ">=", "<=", "=~", "!~", "&&", "||", ">", "<", "!", "(", ")", "[", "]", ","}

const wordStops = "()[],'\"=!<>&|~"

type lexError string

func (e lexError) Error() string { return string(e) }

// lex splits s into words, quoted values and symbols. Quoted values have
// no escapes: a value holding one kind of quote is written in the other.
func lex(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '\'' || c == '"':
			j := strings.IndexByte(s[i+1:], c)
			if j < 0 {
				return nil, lexError("unterminated quoted value")
			}
			toks = append(toks, token{tokQuoted, s[i+1 : i+1+j]})
			i += j + 2
		default:
			sym := ""
			for _, op := range symbols {
				if strings.HasPrefix(s[i:], op) {
					sym = op
					break
				}
			}
			if sym != "" {
				toks = append(toks, token{tokSym, sym})
				i += len(sym)
				continue
			}
			if strings.IndexByte(wordStops, c) >= 0 {
				return nil, lexError("unexpected character '" + string(c) + "'")
			}
			j := i
			for j < len(s) && !isSpace(s[j]) && strings.IndexByte(wordStops, s[j]) < 0 {
				j++
			}
			toks = append(toks, token{tokWord, s[i:j]})
			i = j
		}
	}
	return toks, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// --- parser ---

// qparser is a recursive-descent parser over the tokens. Its methods
// return a message instead of an error so ParseExpression words every
// failure the same way; depth counts nesting to bound recursion.
type qparser struct {
	toks []token
	pos  int
}

func (p *qparser) peek() (token, bool) {
	if p.pos >= len(p.toks) {
		return token{}, false
	}
	return p.toks[p.pos], true
}

func (p *qparser) isSym(text string) bool {
	t, ok := p.peek()
	return ok && t.kind == tokSym && t.text == text
}

func (p *qparser) isWord(text string) bool {
	t, ok := p.peek()
	return ok && t.kind == tokWord && t.text == text
}

// or parses a disjunction; || binds loosest.
func (p *qparser) or(depth int) (qnode, string) {
	l, msg := p.and(depth)
	for msg == "" && (p.isSym("||") || p.isWord("or")) {
		p.pos++
		var r qnode
		r, msg = p.and(depth)
		l = &qbinary{and: false, l: l, r: r}
	}
	return l, msg
}

// and parses a conjunction; && binds tighter than ||.
func (p *qparser) and(depth int) (qnode, string) {
	l, msg := p.unary(depth)
	for msg == "" && (p.isSym("&&") || p.isWord("and")) {
		p.pos++
		var r qnode
		r, msg = p.unary(depth)
		l = &qbinary{and: true, l: l, r: r}
	}
	return l, msg
}

// unary parses a negation, a parenthesized expression or a predicate.
func (p *qparser) unary(depth int) (qnode, string) {
	if depth > maxExpressionDepth {
		return nil, "expression nested too deeply"
	}
	switch {
	case p.isSym("!") || p.isWord("not"):
		p.pos++
		x, msg := p.unary(depth + 1)
		return &qnot{x: x}, msg
	case p.isSym("("):
		p.pos++
		x, msg := p.or(depth + 1)
		if msg != "" {
			return nil, msg
		}
		if !p.isSym(")") {
			return nil, "missing ')'"
		}
		p.pos++
		return x, ""
	}
	return p.predicate()
}

// opAliases maps every operator spelling to its symbolic form.
var opAliases = map[string]string{
	"==": "==", "equals": "==",
	"!=": "!=", "not_equals": "!=",
	">": ">", "greater_than": ">",
	">=": ">=", "greater_than_equal": ">=",
	"<": "<", "less_than": "<",
	"<=": "<=", "less_than_equal": "<=",
	"exists": "exists", "not_exists": "!exists",
	"in": "in", "not_in": "!in",
	"=~": "=~", "matches": "=~",
	"!~": "!~", "not_matches": "!~",
}

var subjects = []string{"agentConnected", "agentVersion", "ec2InstanceId", "registeredAt", "runningTasksCount", "task:group"}

// predicate parses "subject operator [argument]". Subjects are checked
// here, so an unknown subject is a parse error rather than a predicate
// that never matches. Regular expressions and registeredAt dates are
// compiled now, so evaluation cannot fail.
func (p *qparser) predicate() (qnode, string) {
	t, ok := p.peek()
	if !ok {
		return nil, "unexpected end of expression"
	}
	if t.kind != tokWord || !(slices.Contains(subjects, t.text) ||
		strings.HasPrefix(t.text, "attribute:") && validAttributeName(strings.TrimPrefix(t.text, "attribute:"))) {
		return nil, "unknown subject " + t.String()
	}
	p.pos++
	pred := &qpred{subject: t.text}
	t, ok = p.peek()
	if !ok {
		return nil, "missing operator"
	}
	p.pos++
	if t.kind == tokSym && t.text == "!" {
		// "!exists" and "!in" lex as "!" and a word.
		n, ok := p.peek()
		if !ok || n.kind != tokWord || (n.text != "exists" && n.text != "in") {
			return nil, "unknown operator '!'"
		}
		p.pos++
		pred.op = "!" + n.text
	} else if op, known := opAliases[t.text]; known && t.kind != tokQuoted {
		pred.op = op
	} else {
		return nil, "unknown operator " + t.String()
	}
	switch pred.op {
	case "exists", "!exists":
		return pred, ""
	case "in", "!in":
		if !p.isSym("[") {
			v, msg := p.value()
			pred.args = []string{v}
			return pred, msg
		}
		p.pos++
		for {
			v, msg := p.value()
			if msg != "" {
				return nil, msg
			}
			pred.args = append(pred.args, v)
			if p.isSym(",") {
				p.pos++
				continue
			}
			if !p.isSym("]") {
				return nil, "missing ']'"
			}
			p.pos++
			return pred, ""
		}
	}
	v, msg := p.value()
	if msg != "" {
		return nil, msg
	}
	pred.args = []string{v}
	switch pred.op {
	case "=~", "!~":
		re, err := regexp.Compile("^(?:" + v + ")$")
		if err != nil {
			return nil, "invalid regular expression " + strconv.Quote(v)
		}
		pred.re = re
	case ">", ">=", "<", "<=":
		if pred.subject == "registeredAt" {
			if _, ok := parseQueryTime(v); !ok {
				return nil, "invalid date " + strconv.Quote(v)
			}
		}
	}
	return pred, ""
}

// value consumes one word or quoted value.
func (p *qparser) value() (string, string) {
	t, ok := p.peek()
	if !ok {
		return "", "missing value"
	}
	if t.kind == tokSym {
		return "", "unexpected " + t.String()
	}
	p.pos++
	return t.text, ""
}

// --- evaluation ---

// qnode is a node of the parsed expression: eval evaluates it against an
// instance, write prints it in canonical form.
type qnode interface {
	eval(in *QueryInput) bool
	write(b *strings.Builder)
}

// qbinary is && (and true) or ||.
type qbinary struct {
	and  bool
	l, r qnode
}

func (n *qbinary) eval(in *QueryInput) bool {
	if n.and {
		return n.l.eval(in) && n.r.eval(in)
	}
	return n.l.eval(in) || n.r.eval(in)
}

func (n *qbinary) write(b *strings.Builder) {
	b.WriteByte('(')
	n.l.write(b)
	if n.and {
		b.WriteString(" && ")
	} else {
		b.WriteString(" || ")
	}
	n.r.write(b)
	b.WriteByte(')')
}

// qnot is ! / not.
type qnot struct{ x qnode }

func (n *qnot) eval(in *QueryInput) bool { return !n.x.eval(in) }

func (n *qnot) write(b *strings.Builder) {
	b.WriteString("!(")
	n.x.write(b)
	b.WriteByte(')')
}

// qpred is one predicate; op is the symbolic form of the operator, args the
// argument (one value, or the list of in / !in), re the compiled =~ / !~
// pattern.
type qpred struct {
	subject string
	op      string
	args    []string
	re      *regexp.Regexp
}

func (n *qpred) write(b *strings.Builder) {
	b.WriteString(n.subject)
	b.WriteByte(' ')
	b.WriteString(n.op)
	switch n.op {
	case "exists", "!exists":
	case "in", "!in":
		b.WriteString(" [")
		for i, a := range n.args {
			if i > 0 {
				b.WriteString(", ")
			}
			writeValue(b, a)
		}
		b.WriteByte(']')
	default:
		b.WriteByte(' ')
		writeValue(b, n.args[0])
	}
}

// writeValue writes v bare if it lexes back as one word, else quoted. A
// value holds at most one kind of quote (the lexer has no escapes), so one
// of the two quote characters always works.
func writeValue(b *strings.Builder, v string) {
	bare := v != ""
	for i := 0; i < len(v) && bare; i++ {
		bare = !isSpace(v[i]) && strings.IndexByte(wordStops, v[i]) < 0
	}
	if bare {
		b.WriteString(v)
		return
	}
	q := "'"
	if strings.Contains(v, "'") {
		q = `"`
	}
	b.WriteString(q + v + q)
}

// eval applies the multi-value rule of the package comment: positive
// operators hold if any value satisfies them, the negative ones are their
// negations.
func (n *qpred) eval(in *QueryInput) bool {
	vals := subjectValues(n.subject, in)
	switch n.op {
	case "exists":
		return len(vals) > 0
	case "!exists":
		return len(vals) == 0
	case "!=":
		return !anyValue(vals, func(v string) bool { return compare(n.subject, v, n.args[0]) == 0 })
	case "!in":
		return !anyValue(vals, func(v string) bool { return n.in(v) })
	case "!~":
		return !anyValue(vals, n.re.MatchString)
	}
	return anyValue(vals, func(v string) bool {
		switch n.op {
		case "==":
			return compare(n.subject, v, n.args[0]) == 0
		case "in":
			return n.in(v)
		case "=~":
			return n.re.MatchString(v)
		case ">":
			return compare(n.subject, v, n.args[0]) > 0
		case ">=":
			return compare(n.subject, v, n.args[0]) >= 0
		case "<":
			return compare(n.subject, v, n.args[0]) < 0
		case "<=":
			return compare(n.subject, v, n.args[0]) <= 0
		}
		return false
	})
}

// in reports whether v equals one of the arguments.
func (n *qpred) in(v string) bool {
	for _, a := range n.args {
		if compare(n.subject, v, a) == 0 {
			return true
		}
	}
	return false
}

func anyValue(vals []string, f func(string) bool) bool {
	return slices.ContainsFunc(vals, f)
}

// subjectValues returns the values of a subject for the instance.
func subjectValues(subject string, in *QueryInput) []string {
	ci := in.Instance
	switch subject {
	case "agentConnected":
		return []string{strconv.FormatBool(ci.AgentConnected)}
	case "agentVersion":
		if ci.VersionInfo.AgentVersion == "" {
			return nil
		}
		return []string{ci.VersionInfo.AgentVersion}
	case "ec2InstanceId":
		return []string{ci.EC2InstanceID}
	case "registeredAt":
		if ci.RegisteredAt.IsZero() {
			return nil
		}
		return []string{ci.RegisteredAt.Format(time.RFC3339Nano)}
	case "runningTasksCount":
		return []string{strconv.Itoa(ci.RunningTasksCount)}
	case "task:group":
		return in.TaskGroups
	}
	if v, ok := ci.Attribute(strings.TrimPrefix(subject, "attribute:")); ok {
		return []string{v}
	}
	return nil
}

// compare orders a subject value against an argument: times for
// registeredAt, then numbers, then versions, then strings.
func compare(subject, v, arg string) int {
	if subject == "registeredAt" {
		a, ok1 := parseQueryTime(v)
		b, ok2 := parseQueryTime(arg)
		if ok1 && ok2 {
			return a.Compare(b)
		}
	}
	if a, err := strconv.ParseFloat(v, 64); err == nil {
		if b, err := strconv.ParseFloat(arg, 64); err == nil {
			switch {
			case a < b:
				return -1
			case a > b:
				return 1
			}
			return 0
		}
	}
	if a, ok := parseVersion(v); ok {
		if b, ok := parseVersion(arg); ok {
			return slices.Compare(a, b)
		}
	}
	return strings.Compare(v, arg)
}

// parseVersion parses "1.14.5" or "v1.14.5" into its numeric parts.
func parseVersion(s string) ([]int, bool) {
	s = strings.TrimPrefix(s, "v")
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return nil, false
	}
	out := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || strings.HasPrefix(p, "+") {
			return nil, false
		}
		out[i] = n
	}
	return out, true
}

// parseQueryTime parses a registeredAt argument: a date or an RFC 3339 time.
func parseQueryTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
