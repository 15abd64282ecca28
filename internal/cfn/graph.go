package cfn

// order returns ids in creation order: a topological order of deps in which
// ties go to the resource declared first in the template. deps[id] lists the
// resources id needs. A cycle is reported with CloudFormation's message,
// naming every resource on a cycle in template order.
func order(ids []string, deps map[string][]string) ([]string, error) {
	done := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	// Quadratic, but templates hold at most a few hundred resources and the
	// simple scan makes the tie-break rule obvious.
	for len(out) < len(ids) {
		progressed := false
		for _, id := range ids {
			if done[id] || !ready(deps[id], done) {
				continue
			}
			done[id] = true
			out = append(out, id)
			progressed = true
			break
		}
		if !progressed {
			return nil, errorf("Circular dependency between resources: %s", list(cycleMembers(ids, deps, done)))
		}
	}
	return out, nil
}

func ready(deps []string, done map[string]bool) bool {
	for _, d := range deps {
		if !done[d] {
			return false
		}
	}
	return true
}

// cycleMembers returns the unplaced resources that can reach themselves,
// leaving out those that are merely blocked behind a cycle.
func cycleMembers(ids []string, deps map[string][]string, done map[string]bool) []string {
	var out []string
	for _, id := range ids {
		if done[id] {
			continue
		}
		seen := map[string]bool{}
		stack := append([]string(nil), deps[id]...)
		for len(stack) > 0 {
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if n == id {
				out = append(out, id)
				break
			}
			if seen[n] || done[n] {
				continue
			}
			seen[n] = true
			stack = append(stack, deps[n]...)
		}
	}
	return out
}
