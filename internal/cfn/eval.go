package cfn

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"net/netip"
	"strings"
)

// errDeferred is returned by apply when an argument is only known at run
// time; the caller keeps the call as an *Expr.
var errDeferred = errors.New("deferred to run time")

// supportedFns lists the intrinsic functions in the order CloudFormation
// prints them in its "unsupported function" message.
var supportedFns = []string{
	"Fn::Base64", "Fn::GetAtt", "Fn::GetAZs", "Fn::ImportValue", "Fn::Join",
	"Fn::Split", "Fn::FindInMap", "Fn::Select", "Ref", "Fn::Equals", "Fn::If",
	"Fn::Not", "Condition", "Fn::And", "Fn::Or", "Fn::Sub", "Fn::Cidr",
}

// evaluator performs the plan-time phase: it resolves everything that does
// not depend on resources and turns the rest into *Expr.
type evaluator struct {
	t       *template
	params  map[string]any // name → string or []any
	pseudo  map[string]any
	exports func(string) (string, bool)

	conds     map[string]bool
	condStack []string

	// included is the set of resources whose condition holds; a reference
	// to any other resource is unresolved.
	included map[string]bool
	// block names the template section being evaluated, for messages.
	block       string
	inCondition bool
	depth       int
}

func isIntrinsic(k string, inCondition bool) bool {
	return k == "Ref" || strings.HasPrefix(k, "Fn::") || inCondition && k == "Condition"
}

// eval evaluates a parse-tree value. Objects become map[string]any;
// members and list elements that evaluate to AWS::NoValue are dropped.
func (e *evaluator) eval(v any) (any, error) {
	e.depth++
	defer func() { e.depth-- }()
	if e.depth > 4*maxDepth {
		return nil, templateErr("template nesting is too deep")
	}
	switch t := v.(type) {
	case *object:
		if k, arg, ok := t.single(); ok && isIntrinsic(k, e.inCondition) {
			return e.call(k, arg)
		}
		m := make(map[string]any, len(t.keys))
		for _, k := range t.keys {
			r, err := e.eval(t.vals[k])
			if err != nil {
				return nil, err
			}
			if r == noValue {
				continue
			}
			m[k] = r
		}
		return m, nil
	case []any:
		l := make([]any, 0, len(t))
		for _, el := range t {
			r, err := e.eval(el)
			if err != nil {
				return nil, err
			}
			if r == noValue {
				continue
			}
			l = append(l, r)
		}
		return l, nil
	}
	return v, nil
}

// call evaluates one intrinsic function. Ref, Fn::GetAtt, Fn::Sub and
// Fn::If look at their raw argument (a logical id, a condition name, a
// template string) before anything is evaluated, as CloudFormation does;
// the other functions evaluate their argument first. Only the branch of an
// Fn::If that the condition selects is evaluated, so the other may refer to
// resources that are excluded by the same condition.
func (e *evaluator) call(fn string, arg any) (any, error) {
	switch fn {
	case "Ref":
		return e.ref(arg)
	case "Fn::GetAtt":
		return e.getAtt(arg)
	case "Fn::Sub":
		return e.sub(arg)
	case "Fn::If":
		return e.fnIf(arg)
	case "Condition":
		name, ok := arg.(string)
		if !ok {
			return nil, formatErr("Every Condition member must be a string.")
		}
		return e.condition(name)
	case "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not":
		a, err := e.eval(arg)
		if err != nil {
			return nil, err
		}
		return boolFn(fn, a)
	case "Fn::FindInMap":
		a, err := e.eval(arg)
		if err != nil {
			return nil, err
		}
		return e.findInMap(a)
	case "Fn::GetAZs":
		a, err := e.eval(arg)
		if err != nil {
			return nil, err
		}
		region, ok := scalarString(a)
		if !ok {
			return nil, templateErr("Fn::GetAZs requires a string region")
		}
		if region == "" {
			region, _ = e.pseudo["AWS::Region"].(string)
		}
		return azs(region), nil
	case "Fn::ImportValue":
		a, err := e.eval(arg)
		if err != nil {
			return nil, err
		}
		if containsExpr(a) {
			return nil, templateErr("Fn::ImportValue cannot depend on resources")
		}
		name, ok := a.(string)
		if !ok {
			return nil, templateErr("every Fn::ImportValue object requires a string parameter")
		}
		if e.exports != nil {
			v, ok := e.exports(name)
			if !ok {
				return nil, errorf("No export named %s found.", name)
			}
			return v, nil
		}
		return &Expr{Fn: fn, Args: name}, nil
	case "Fn::Join", "Fn::Select", "Fn::Split", "Fn::Base64", "Fn::Cidr":
		a, err := e.eval(arg)
		if err != nil {
			return nil, err
		}
		r, err := apply(fn, a)
		if err == errDeferred {
			return &Expr{Fn: fn, Args: a}, nil
		}
		return r, err
	}
	return nil, formatErr("Encountered unsupported function: %s Supported functions are: %s", fn, list(supportedFns))
}

// unresolved reports a reference to something that is not in the stack:
// undeclared, or a resource whose condition is false.
func (e *evaluator) unresolved(name string) error {
	return formatErr("Unresolved resource dependencies %s in the %s block of the template", list([]string{name}), e.block)
}

// ref evaluates Ref. Parameters and pseudo parameters resolve now (lists
// are copied so a plan never shares them); a resource becomes a run-time
// Ref expression, unless its condition excluded it.
func (e *evaluator) ref(arg any) (any, error) {
	name, ok := arg.(string)
	if !ok {
		return nil, formatErr("Every Ref object must have a single String value.")
	}
	if v, ok := e.params[name]; ok {
		if l, ok := v.([]any); ok {
			return append([]any(nil), l...), nil
		}
		return v, nil
	}
	if v, ok := e.pseudo[name]; ok {
		if l, ok := v.([]any); ok {
			return append([]any(nil), l...), nil
		}
		return v, nil
	}
	if _, ok := e.t.resIndex[name]; ok && !e.inCondition && e.included[name] {
		return &Expr{Fn: "Ref", Args: name}, nil
	}
	if e.inCondition {
		return nil, formatErr("Unresolved dependencies %s. Cannot reference resources in the Conditions block of the template", list([]string{name}))
	}
	return nil, e.unresolved(name)
}

// resourceAttr checks the resource of an Fn::GetAtt and builds the
// run-time expression.
func (e *evaluator) resourceAttr(res, attr string) (any, error) {
	if res == "" || attr == "" {
		return nil, errGetAttArgs
	}
	if _, ok := e.t.resIndex[res]; !ok {
		return nil, templateErr("instance of Fn::GetAtt references undefined resource %s", res)
	}
	if e.inCondition {
		return nil, formatErr("Unresolved dependencies %s. Cannot reference resources in the Conditions block of the template", list([]string{res}))
	}
	if !e.included[res] {
		return nil, e.unresolved(res)
	}
	return &Expr{Fn: "Fn::GetAtt", Args: []any{res, attr}}, nil
}

// getAtt evaluates Fn::GetAtt in both forms: "Resource.Attribute" (the
// YAML short form and the JSON string form) and [Resource, Attribute].
func (e *evaluator) getAtt(arg any) (any, error) {
	switch a := arg.(type) {
	case string:
		res, attr, _ := strings.Cut(a, ".")
		return e.resourceAttr(res, attr)
	case []any:
		if len(a) != 2 {
			break
		}
		res, ok := a[0].(string)
		if !ok {
			break
		}
		// The attribute name may come from a parameter (Ref).
		av, err := e.eval(a[1])
		if err != nil {
			return nil, err
		}
		attr, ok := av.(string)
		if !ok {
			break
		}
		return e.resourceAttr(res, attr)
	}
	return nil, errGetAttArgs
}

var errGetAttArgs = templateErr("every Fn::GetAtt object requires two non-empty parameters, the resource name and the resource attribute")

// subSeg is a piece of an Fn::Sub string: literal text or a ${variable}.
type subSeg struct {
	text  string
	isVar bool
}

// splitSub splits an Fn::Sub string. ${!Literal} is the escape for a
// literal "${Literal}"; an unterminated ${ is kept as text.
func splitSub(s string) []subSeg {
	var segs []subSeg
	var lit strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			lit.WriteString(s)
			break
		}
		j := strings.Index(s[i:], "}")
		if j < 0 {
			lit.WriteString(s)
			break
		}
		lit.WriteString(s[:i])
		inner := s[i+2 : i+j]
		s = s[i+j+1:]
		if rest, ok := strings.CutPrefix(inner, "!"); ok {
			lit.WriteString("${" + rest + "}")
			continue
		}
		if lit.Len() > 0 {
			segs = append(segs, subSeg{text: lit.String()})
			lit.Reset()
		}
		segs = append(segs, subSeg{text: strings.TrimSpace(inner), isVar: true})
	}
	if lit.Len() > 0 {
		segs = append(segs, subSeg{text: lit.String()})
	}
	return segs
}

var errSubArgs = templateErr("One or more Fn::Sub intrinsic functions don't specify expected arguments. " +
	"Specify a string as first argument, and an optional second argument to specify a mapping of values to replace in the string")

// sub evaluates Fn::Sub. When every variable is known it returns the string;
// otherwise it returns Fn::Join ["", [parts…]] with the run-time parts as
// *Expr, which Resolve finishes.
func (e *evaluator) sub(arg any) (any, error) {
	var (
		str  string
		vars = map[string]any{}
	)
	switch a := arg.(type) {
	case string:
		str = a
	case []any:
		if len(a) != 2 {
			return nil, errSubArgs
		}
		s, ok := a[0].(string)
		vo, ok2 := a[1].(*object)
		if !ok || !ok2 {
			return nil, errSubArgs
		}
		str = s
		for _, k := range vo.keys {
			v, err := e.eval(vo.vals[k])
			if err != nil {
				return nil, err
			}
			vars[k] = v
		}
	default:
		return nil, errSubArgs
	}
	var (
		parts    []any
		buf      strings.Builder
		deferred bool
	)
	for _, seg := range splitSub(str) {
		if !seg.isVar {
			buf.WriteString(seg.text)
			continue
		}
		v, err := e.subVar(seg.text, vars)
		if err != nil {
			return nil, err
		}
		if x, ok := v.(*Expr); ok {
			if buf.Len() > 0 {
				parts = append(parts, buf.String())
				buf.Reset()
			}
			parts = append(parts, x)
			deferred = true
			continue
		}
		s, ok := scalarString(v)
		if !ok {
			return nil, templateErr("variable %s in Fn::Sub expression does not resolve to a string", seg.text)
		}
		buf.WriteString(s)
	}
	if !deferred {
		return buf.String(), nil
	}
	if buf.Len() > 0 {
		parts = append(parts, buf.String())
	}
	return &Expr{Fn: "Fn::Join", Args: []any{"", parts}}, nil
}

// subVar resolves one ${name} of an Fn::Sub: the Sub's own variable map
// first, then Resource.Attribute, then anything Ref accepts.
func (e *evaluator) subVar(name string, vars map[string]any) (any, error) {
	if v, ok := vars[name]; ok {
		if containsExpr(v) {
			if x, ok := v.(*Expr); ok {
				return x, nil
			}
			return nil, templateErr("variable %s in Fn::Sub expression does not resolve to a string", name)
		}
		return v, nil
	}
	if res, attr, dotted := strings.Cut(name, "."); dotted {
		if _, ok := e.t.resIndex[res]; !ok {
			return nil, templateErr("instance of Fn::Sub references invalid resource attribute %s", name)
		}
		return e.resourceAttr(res, attr)
	}
	return e.ref(name)
}

// fnIf evaluates Fn::If [condition, then, else].
func (e *evaluator) fnIf(arg any) (any, error) {
	a, ok := arg.([]any)
	if !ok || len(a) != 3 {
		return nil, templateErr("Fn::If requires a list argument with three elements")
	}
	name, ok := a[0].(string)
	if !ok {
		return nil, templateErr("Fn::If requires a list argument with the first element being a condition")
	}
	c, err := e.condition(name)
	if err != nil {
		return nil, err
	}
	if c {
		return e.eval(a[1])
	}
	return e.eval(a[2])
}

// condition evaluates a named condition once and remembers the outcome.
func (e *evaluator) condition(name string) (bool, error) {
	if v, ok := e.conds[name]; ok {
		return v, nil
	}
	body, ok := e.t.conditions.get(name)
	if !ok {
		if e.inCondition {
			return false, formatErr("Unresolved condition dependencies %s in the Conditions block of the template", list([]string{name}))
		}
		return false, formatErr("Unresolved condition dependency %s in Fn::If", name)
	}
	for i, n := range e.condStack {
		if n == name {
			cycle := append([]string(nil), e.condStack[i:]...)
			return false, formatErr("Circular dependency between conditions: %s", list(cycle))
		}
	}
	e.condStack = append(e.condStack, name)
	saveIn, saveBlock := e.inCondition, e.block
	e.inCondition, e.block = true, "Conditions"
	v, err := e.eval(body)
	e.inCondition, e.block = saveIn, saveBlock
	e.condStack = e.condStack[:len(e.condStack)-1]
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, formatErr("Conditions can only be boolean operations on parameters and other conditions")
	}
	e.conds[name] = b
	return b, nil
}

// boolFn evaluates the condition functions on evaluated arguments.
func boolFn(fn string, a any) (any, error) {
	l, _ := a.([]any)
	switch fn {
	case "Fn::Equals":
		if len(l) != 2 || containsExpr(l) {
			return nil, templateErr("every Fn::Equals object requires a list of 2 string parameters.")
		}
		return canonical(l[0]) == canonical(l[1]), nil
	case "Fn::Not":
		if len(l) != 1 {
			return nil, templateErr("every Fn::Not object requires a list of 1 boolean parameter.")
		}
		b, ok := l[0].(bool)
		if !ok {
			return nil, templateErr("every Fn::Not object requires a list of 1 boolean parameter.")
		}
		return !b, nil
	}
	// Fn::And, Fn::Or
	if len(l) < 2 || len(l) > 10 {
		return nil, templateErr("every %s object requires a list of at least 2 and at most 10 boolean parameters.", fn)
	}
	and := fn == "Fn::And"
	out := and
	for _, el := range l {
		b, ok := el.(bool)
		if !ok {
			return nil, templateErr("every %s object requires a list of at least 2 and at most 10 boolean parameters.", fn)
		}
		if and {
			out = out && b
		} else {
			out = out || b
		}
	}
	return out, nil
}

// canonical renders a value for comparison: scalars by their string form,
// so the number 1 equals the string "1" as in CloudFormation.
func canonical(v any) string {
	if s, ok := scalarString(v); ok {
		return s
	}
	return jsonString(v)
}

// findInMap evaluates Fn::FindInMap [map, top-level key, second-level key]
// on evaluated arguments; the keys usually come from Ref.
func (e *evaluator) findInMap(a any) (any, error) {
	l, ok := a.([]any)
	if !ok || len(l) != 3 {
		return nil, templateErr("every Fn::FindInMap object requires three parameters, the map name, map key and the attribute for return value")
	}
	keys := make([]string, 3)
	for i, el := range l {
		s, ok := scalarString(el)
		if !ok {
			return nil, templateErr("every Fn::FindInMap object requires three parameters, the map name, map key and the attribute for return value")
		}
		keys[i] = s
	}
	m, ok := e.t.mappings.get(keys[0])
	if !ok {
		return nil, templateErr("Mapping named '%s' is not present in the 'Mappings' section of template.", keys[0])
	}
	top, ok := m.(*object).get(keys[1])
	var v any
	if ok {
		v, ok = top.(*object).get(keys[2])
	}
	if !ok {
		return nil, templateErr("Unable to get mapping for %s::%s::%s", keys[0], keys[1], keys[2])
	}
	return plain(v), nil
}

// azs returns the availability zones the local engine pretends a region
// has: <region>a, <region>b, <region>c.
func azs(region string) []any {
	return []any{region + "a", region + "b", region + "c"}
}

// apply evaluates the pure functions on evaluated arguments. It checks the
// shape first, so malformed calls fail at plan time even when an argument is
// a run-time *Expr; it then returns errDeferred if a value it needs is not
// known yet.
func apply(fn string, a any) (any, error) {
	switch fn {
	case "Fn::Join":
		return applyJoin(a)
	case "Fn::Select":
		return applySelect(a)
	case "Fn::Split":
		return applySplit(a)
	case "Fn::Base64":
		if _, ok := a.(*Expr); ok {
			return nil, errDeferred
		}
		s, ok := scalarString(a)
		if !ok {
			return nil, templateErr("every Fn::Base64 object requires a string parameter")
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "Fn::Cidr":
		return applyCidr(a)
	}
	return nil, formatErr("Encountered unsupported function: %s Supported functions are: %s", fn, list(supportedFns))
}

var errJoinArgs = templateErr("every Fn::Join object requires two parameters, (1) a string delimiter and (2) a list of strings to be joined or a function that returns a list of strings (such as Fn::GetAZs) to be joined.")

// applyJoin evaluates Fn::Join [delimiter, list]; the list may itself be
// a function result (Fn::GetAZs, Fn::Split, a list parameter).
func applyJoin(a any) (any, error) {
	l, ok := a.([]any)
	if !ok || len(l) != 2 {
		return nil, errJoinArgs
	}
	delim, ok := l[0].(string)
	if !ok {
		return nil, errJoinArgs
	}
	var items []any
	switch t := l[1].(type) {
	case *Expr:
		return nil, errDeferred
	case []any:
		items = t
	default:
		return nil, errJoinArgs
	}
	parts := make([]string, len(items))
	deferred := false
	for i, it := range items {
		if _, ok := it.(*Expr); ok {
			deferred = true
			continue
		}
		s, ok := scalarString(it)
		if !ok {
			return nil, errJoinArgs
		}
		parts[i] = s
	}
	if deferred {
		return nil, errDeferred
	}
	return strings.Join(parts, delim), nil
}

var errSelectArgs = templateErr("Fn::Select requires a list argument with two elements: an integer index and a list")

// applySelect evaluates Fn::Select [index, list]. A known list with a
// run-time element still selects now: only the chosen element may be an
// *Expr.
func applySelect(a any) (any, error) {
	l, ok := a.([]any)
	if !ok || len(l) != 2 {
		return nil, errSelectArgs
	}
	if _, ok := l[0].(*Expr); ok {
		return nil, errDeferred
	}
	idx, ok := toInt(l[0])
	if !ok {
		return nil, errSelectArgs
	}
	switch t := l[1].(type) {
	case *Expr:
		return nil, errDeferred
	case []any:
		if idx < 0 || idx >= len(t) {
			return nil, templateErr("Fn::Select cannot select nonexistent value at index %d", idx)
		}
		return t[idx], nil
	}
	return nil, errSelectArgs
}

var errSplitArgs = templateErr("every Fn::Split object requires two parameters, (1) a string delimiter and (2) a string to be split or a function that returns a string to be split.")

// applySplit evaluates Fn::Split [delimiter, string].
func applySplit(a any) (any, error) {
	l, ok := a.([]any)
	if !ok || len(l) != 2 {
		return nil, errSplitArgs
	}
	delim, ok := l[0].(string)
	if !ok || delim == "" {
		return nil, errSplitArgs
	}
	if _, ok := l[1].(*Expr); ok {
		return nil, errDeferred
	}
	s, ok := scalarString(l[1])
	if !ok {
		return nil, errSplitArgs
	}
	return anyList(strings.Split(s, delim)), nil
}

func cidrErr(format string, args ...any) error {
	return templateErr("Fn::Cidr "+format, args...)
}

// applyCidr carves count consecutive blocks with cidrBits host bits out of
// ipBlock, IPv4 or IPv6.
func applyCidr(a any) (any, error) {
	l, ok := a.([]any)
	if !ok || len(l) != 3 {
		return nil, cidrErr("requires a list argument with three elements: an ipBlock, a count and cidrBits")
	}
	if containsExpr(l) {
		return nil, errDeferred
	}
	block, ok := l[0].(string)
	if !ok {
		return nil, cidrErr("ipBlock must be a string")
	}
	count, ok1 := toInt(l[1])
	bits, ok2 := toInt(l[2])
	if !ok1 || !ok2 {
		return nil, cidrErr("count and cidrBits must be integers")
	}
	prefix, err := netip.ParsePrefix(block)
	if err != nil {
		return nil, cidrErr("ipBlock %s is not a valid CIDR block", block)
	}
	prefix = prefix.Masked()
	total := prefix.Addr().BitLen()
	newLen := total - bits
	if count < 1 || count > 256 {
		return nil, cidrErr("count must be between 1 and 256")
	}
	if bits < 1 || newLen < prefix.Bits() {
		return nil, cidrErr("cidrBits %d is not valid for ipBlock %s", bits, block)
	}
	avail := new(big.Int).Lsh(big.NewInt(1), uint(newLen-prefix.Bits()))
	if avail.Cmp(big.NewInt(int64(count))) < 0 {
		return nil, cidrErr("cannot create %d blocks of /%d in %s", count, newLen, block)
	}
	base := new(big.Int).SetBytes(prefix.Addr().AsSlice())
	step := new(big.Int).Lsh(big.NewInt(1), uint(bits))
	out := make([]any, 0, count)
	for i := 0; i < count; i++ {
		raw := base.FillBytes(make([]byte, total/8))
		addr, _ := netip.AddrFromSlice(raw)
		out = append(out, netip.PrefixFrom(addr, newLen).String())
		base.Add(base, step)
	}
	return out, nil
}

// Resolver supplies the values that exist only after resources are created.
// The deploy layer implements it over the stack's resources and the
// account's exports.
type Resolver interface {
	// PhysicalID returns what Ref returns for a created resource.
	PhysicalID(logicalID string) (string, error)
	// Attribute returns an Fn::GetAtt attribute: a string, or a []string
	// for list attributes (SecurityGroups, …).
	Attribute(logicalID, name string) (any, error)
	// Import returns the value of another stack's export.
	Import(name string) (string, error)
}

// Resolve finishes a value produced by Plan: every *Expr is evaluated
// through r, innermost first. Values without expressions are returned
// unchanged (maps and lists are copied).
func Resolve(v any, r Resolver) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, el := range t {
			x, err := Resolve(el, r)
			if err != nil {
				return nil, err
			}
			m[k] = x
		}
		return m, nil
	case []any:
		l := make([]any, len(t))
		for i, el := range t {
			x, err := Resolve(el, r)
			if err != nil {
				return nil, err
			}
			l[i] = x
		}
		return l, nil
	case *Expr:
		args, err := Resolve(t.Args, r)
		if err != nil {
			return nil, err
		}
		switch t.Fn {
		case "Ref":
			id, _ := args.(string)
			v, err := r.PhysicalID(id)
			if err != nil {
				return nil, fmt.Errorf("ref %s: %w", id, err)
			}
			return v, nil
		case "Fn::GetAtt":
			l, _ := args.([]any)
			if len(l) != 2 {
				return nil, fmt.Errorf("malformed %s expression", t.Fn)
			}
			id, _ := l[0].(string)
			name, _ := l[1].(string)
			v, err := r.Attribute(id, name)
			if err != nil {
				return nil, fmt.Errorf("get attribute %s.%s: %w", id, name, err)
			}
			if ss, ok := v.([]string); ok {
				return anyList(ss), nil
			}
			return v, nil
		case "Fn::ImportValue":
			name, _ := args.(string)
			v, err := r.Import(name)
			if err != nil {
				return nil, fmt.Errorf("import %s: %w", name, err)
			}
			return v, nil
		}
		out, err := apply(t.Fn, args)
		if err == errDeferred {
			return nil, fmt.Errorf("%s: argument still unresolved after resolution", t.Fn)
		}
		return out, err
	}
	return v, nil
}
