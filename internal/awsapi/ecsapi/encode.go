package ecsapi

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// rawJSON is a response body already encoded by encode. It marshals as
// itself (json.RawMessage), so awsapi.Server sends it unchanged.
type rawJSON = json.RawMessage

// encode marshals a control output and leaves out every object member whose
// value is null. The control types write some absent members as null (nil
// slices and the zero Timestamp without omitempty/omitzero tags); the ECS
// API leaves absent members out instead (§11.1), and clients that check
// for presence (the AWS CLI prints a null as a value) see the same answer
// as from AWS. Null elements of arrays are kept: they are values. A null
// output is the empty object.
func encode(v any) (rawJSON, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // numbers are copied as written, never through a float64
	var out bytes.Buffer
	null, err := copyValue(dec, &out)
	if err != nil {
		return nil, err
	}
	if null {
		return rawJSON("{}"), nil
	}
	return out.Bytes(), nil
}

// copyValue copies the next JSON value of dec to out, leaving out null
// object members at every depth. It reports whether the value itself is
// null, and then writes nothing.
func copyValue(dec *json.Decoder, out *bytes.Buffer) (null bool, err error) {
	tok, err := dec.Token()
	if err != nil {
		return false, err
	}
	switch t := tok.(type) {
	case nil:
		return true, nil
	case json.Delim:
		switch t {
		case '{':
			return false, copyObject(dec, out)
		case '[':
			return false, copyArray(dec, out)
		}
		return false, fmt.Errorf("unexpected %v", t)
	case json.Number:
		out.WriteString(t.String())
	case bool:
		if t {
			out.WriteString("true")
		} else {
			out.WriteString("false")
		}
	case string:
		writeString(out, t)
	default:
		return false, fmt.Errorf("unexpected token %T", tok)
	}
	return false, nil
}

// copyObject copies the members of an object whose '{' was read, and its
// '}', dropping the members whose value is null.
func copyObject(dec *json.Decoder, out *bytes.Buffer) error {
	out.WriteByte('{')
	n := 0
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, ok := tok.(string)
		if !ok {
			return fmt.Errorf("object key is %T", tok)
		}
		mark := out.Len()
		if n > 0 {
			out.WriteByte(',')
		}
		writeString(out, key)
		out.WriteByte(':')
		null, err := copyValue(dec, out)
		if err != nil {
			return err
		}
		if null {
			out.Truncate(mark)
			continue
		}
		n++
	}
	if _, err := dec.Token(); err != nil { // '}'
		return err
	}
	out.WriteByte('}')
	return nil
}

// copyArray copies the elements of an array whose '[' was read, and its
// ']'.
func copyArray(dec *json.Decoder, out *bytes.Buffer) error {
	out.WriteByte('[')
	for i := 0; dec.More(); i++ {
		if i > 0 {
			out.WriteByte(',')
		}
		null, err := copyValue(dec, out)
		if err != nil {
			return err
		}
		if null {
			out.WriteString("null")
		}
	}
	if _, err := dec.Token(); err != nil { // ']'
		return err
	}
	out.WriteByte(']')
	return nil
}

// writeString writes s as a JSON string.
func writeString(out *bytes.Buffer, s string) {
	b, _ := json.Marshal(s) // a string always marshals
	out.Write(b)
}
