package awsapi

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// EncodeQueryResult renders the XML body of a successful Query response
// (§7.1):
//
//	<OpResponse xmlns="ns"><OpResult>…result…</OpResult>
//	<ResponseMetadata><RequestId>id</RequestId></ResponseMetadata></OpResponse>
//
// result is a struct (or pointer to one, or nil for an empty result) whose
// members are named as DecodeQuery names them; lists are encoded as
// <Name><member>…</member></Name>, maps as <Name><entry><key/><value/></entry></Name>,
// timestamps as ISO 8601 with milliseconds, and members that are nil, or
// empty and tagged omitempty, are left out.
func EncodeQueryResult(op, namespace string, result any, requestID string) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header[:len(xml.Header)-1])
	fmt.Fprintf(&b, "<%sResponse xmlns=\"%s\"><%sResult>", op, namespace, op)
	encodeXMLValue(&b, reflect.ValueOf(result))
	fmt.Fprintf(&b, "</%sResult><ResponseMetadata><RequestId>", op)
	xml.EscapeText(&b, []byte(requestID))
	fmt.Fprintf(&b, "</RequestId></ResponseMetadata></%sResponse>", op)
	return b.Bytes()
}

// EncodeQueryError renders the <ErrorResponse> body of a Query error
// (§7.1): Type is Sender for client errors and Receiver for faults.
func EncodeQueryError(namespace string, err *Error, requestID string) []byte {
	typ := "Sender"
	if IsFault(err) {
		typ = "Receiver"
	}
	var b bytes.Buffer
	b.WriteString(xml.Header[:len(xml.Header)-1])
	fmt.Fprintf(&b, "<ErrorResponse xmlns=\"%s\"><Error><Type>%s</Type><Code>", namespace, typ)
	xml.EscapeText(&b, []byte(err.Code))
	b.WriteString("</Code><Message>")
	xml.EscapeText(&b, []byte(err.Message))
	b.WriteString("</Message></Error><RequestId>")
	xml.EscapeText(&b, []byte(requestID))
	b.WriteString("</RequestId></ErrorResponse>")
	return b.Bytes()
}

func encodeXMLValue(b *bytes.Buffer, v reflect.Value) {
	switch v.Kind() {
	case reflect.Invalid:
		return
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			encodeXMLValue(b, v.Elem())
		}
		return
	case reflect.Struct:
		if t, ok := v.Interface().(time.Time); ok {
			b.WriteString(t.UTC().Format("2006-01-02T15:04:05.000Z"))
			return
		}
		encodeXMLFields(b, v)
		return
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 { // []byte: base64 is not needed by any shape yet
			xml.EscapeText(b, v.Bytes())
			return
		}
		for i := range v.Len() {
			b.WriteString("<member>")
			encodeXMLValue(b, v.Index(i))
			b.WriteString("</member>")
		}
		return
	case reflect.Map:
		keys := v.MapKeys()
		sortValues(keys)
		for _, k := range keys {
			b.WriteString("<entry><key>")
			encodeXMLValue(b, k)
			b.WriteString("</key><value>")
			encodeXMLValue(b, v.MapIndex(k))
			b.WriteString("</value></entry>")
		}
		return
	case reflect.String:
		xml.EscapeText(b, []byte(v.String()))
	case reflect.Bool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		b.WriteString(strconv.FormatInt(v.Int(), 10))
	case reflect.Float32, reflect.Float64:
		b.WriteString(strconv.FormatFloat(v.Float(), 'f', -1, 64))
	default:
		fmt.Fprint(b, v.Interface())
	}
}

func encodeXMLFields(b *bytes.Buffer, v reflect.Value) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		fv := v.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			encodeXMLFields(b, fv)
			continue
		}
		name := memberName(f)
		if name == "" || skipXML(f, fv) {
			continue
		}
		if isEmptyContainer(fv) {
			fmt.Fprintf(b, "<%s/>", name)
			continue
		}
		fmt.Fprintf(b, "<%s>", name)
		encodeXMLValue(b, fv)
		fmt.Fprintf(b, "</%s>", name)
	}
}

// skipXML leaves out nil members, and zero members tagged omitempty.
func skipXML(f reflect.StructField, v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice:
		if v.IsNil() {
			return true
		}
	}
	omit := false
	for _, key := range []string{"query", "json"} {
		if tag, ok := f.Tag.Lookup(key); ok {
			_, opts, _ := bytes.Cut([]byte(tag), []byte(","))
			omit = omit || bytes.Contains(opts, []byte("omitempty"))
		}
	}
	return omit && v.IsZero()
}

func isEmptyContainer(v reflect.Value) bool {
	return (v.Kind() == reflect.Slice || v.Kind() == reflect.Map) && v.Len() == 0
}

// sortValues orders map keys by their printed form, so output is stable.
func sortValues(vs []reflect.Value) {
	slices.SortFunc(vs, func(a, b reflect.Value) int {
		return strings.Compare(fmt.Sprint(a.Interface()), fmt.Sprint(b.Interface()))
	})
}
