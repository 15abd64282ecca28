package process

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ecslocal/ecslocal/internal/driver"
)

// Image is what an image reference means to the process driver: a local
// executable and its default arguments, the counterparts of a Docker image's
// Entrypoint and Cmd.
type Image struct {
	// Path is the executable. A name without a slash is looked up in PATH
	// when the task starts.
	Path string
	// Args are the default arguments, replaced by TaskConfig.Command.
	Args []string
	// Dir is the default working directory. Zero means ecslocal's own.
	Dir string
}

// Resolver maps an image reference, exactly as a task definition gives it,
// to an Image. It returns an error wrapping driver.ErrImageNotFound for a
// reference it does not know.
type Resolver interface {
	Resolve(ref string) (Image, error)
}

// ResolverFunc adapts a function to Resolver.
type ResolverFunc func(ref string) (Image, error)

// Resolve calls f(ref).
func (f ResolverFunc) Resolve(ref string) (Image, error) { return f(ref) }

// ImageMap is a Resolver backed by a map from reference to Image. Keys and
// looked-up references are compared after NormalizeRef, so the key "api"
// matches "api:latest", "docker.io/library/api" and
// "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:latest".
type ImageMap map[string]Image

var _ Resolver = ImageMap(nil)

// Resolve implements Resolver.
func (m ImageMap) Resolve(ref string) (Image, error) {
	want := NormalizeRef(ref)
	if img, ok := m[want]; ok {
		return img, nil
	}
	// Keys are few and may be written un-normalised ("api"); compare each.
	for k, img := range m {
		if NormalizeRef(k) == want {
			return img, nil
		}
	}
	return Image{}, driver.NewErrImageNotFound(ref, "no local executable is mapped to "+want)
}

// NormalizeRef reduces an image reference to the part that names a local
// image: the registry host and the docker.io "library/" namespace are
// dropped, and a reference without tag or digest gets ":latest".
//
//	123456789012.dkr.ecr.us-east-1.amazonaws.com/api:v1 -> api:v1
//	docker.io/library/nginx                             -> nginx:latest
//	localhost:5000/team/web                             -> team/web:latest
//	app@sha256:abc                                      -> app@sha256:abc
func NormalizeRef(ref string) string {
	ref = strings.TrimSpace(ref)
	// The first component is a registry host if it looks like one, the
	// same rule Docker's reference parser uses: it contains "." or ":", or
	// is "localhost".
	if i := strings.IndexByte(ref, '/'); i > 0 {
		if first := ref[:i]; strings.ContainsAny(first, ".:") || first == "localhost" {
			ref = ref[i+1:]
		}
	}
	ref = strings.TrimPrefix(ref, "library/")
	if strings.Contains(ref, "@") {
		return ref
	}
	if !strings.Contains(ref[strings.LastIndexByte(ref, '/')+1:], ":") {
		ref += ":latest"
	}
	return ref
}

// ParseImageSpec parses the command-line form "REF=PATH [ARGS...]" (the
// value of ecslocal's --image flag); arguments are split on white space.
func ParseImageSpec(s string) (ref string, img Image, err error) {
	ref, rest, ok := strings.Cut(s, "=")
	fields := strings.Fields(rest)
	if !ok || strings.TrimSpace(ref) == "" || len(fields) == 0 {
		return "", Image{}, fmt.Errorf("image spec %q: want REF=PATH [ARGS]", s)
	}
	return strings.TrimSpace(ref), Image{Path: fields[0], Args: slices.Clone(fields[1:])}, nil
}
