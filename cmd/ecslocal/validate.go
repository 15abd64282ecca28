package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/ecslocal/ecslocal/internal/cfn"
	"github.com/ecslocal/ecslocal/internal/cfn/deploy"
)

// paramFlag parses repeatable KEY=VALUE template parameters.
type paramFlag map[string]string

func (p paramFlag) String() string { return fmt.Sprint(map[string]string(p)) }

func (p paramFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want KEY=VALUE")
	}
	p[k] = v
	return nil
}

// validate is `ecslocal validate [-p KEY=VALUE]... FILE`: it runs the
// CloudFormation engine's checks on a template and prints what a stack
// would create, in creation order. It exits 1 on an invalid template.
func validate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ecslocal validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	params := paramFlag{}
	fs.Var(params, "p", "template parameter `KEY=VALUE` (repeatable)")
	stack := fs.String("stack-name", "validate", "stack name for AWS::StackName")
	region := fs.String("region", "us-east-1", "region for AWS::Region and Fn::GetAZs")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: ecslocal validate [-p KEY=VALUE]... FILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	path := fs.Arg(0)
	body, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(stderr, "ecslocal validate:", err)
		return 1
	}
	// Imports cannot be resolved without a running ecslocal; the plan
	// keeps them as references.
	plan, warnings, err := cfn.Plan(body, cfn.Input{
		Parameters:    params,
		StackName:     *stack,
		Region:        *region,
		ResourceTypes: deploy.SupportedResourceTypes(),
	})
	if err != nil {
		fmt.Fprintf(stderr, "ecslocal validate: %s: %v\n", path, err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: valid\n", path)
	if plan.Description != "" {
		fmt.Fprintf(stdout, "description: %s\n", strings.Join(strings.Fields(plan.Description), " "))
	}
	tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', 0)
	if len(plan.Parameters) > 0 {
		fmt.Fprintln(tw, "\nparameters:")
		for _, p := range plan.Parameters {
			v := p.Value
			if p.NoEcho {
				v = "****"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", p.Name, p.Type, v)
		}
	}
	fmt.Fprintf(tw, "\nresources, in creation order (%d):\n", len(plan.Resources))
	for _, r := range plan.Resources {
		fmt.Fprintf(tw, "  %s\t%s\n", r.LogicalID, r.Type)
	}
	for _, id := range plan.Excluded {
		fmt.Fprintf(tw, "  %s\t(condition false: not created)\n", id)
	}
	if len(plan.Outputs) > 0 {
		fmt.Fprintln(tw, "\noutputs:")
		for _, o := range plan.Outputs {
			fmt.Fprintf(tw, "  %s\t%s\n", o.LogicalID, o.Description)
		}
	}
	tw.Flush()
	if len(plan.Capabilities) > 0 {
		fmt.Fprintf(stdout, "\nrequires capabilities: %s\n", strings.Join(plan.Capabilities, ", "))
	}
	for _, w := range warnings {
		fmt.Fprintf(stdout, "warning: %s: %s\n", w.Path, w.Message)
	}
	return 0
}
