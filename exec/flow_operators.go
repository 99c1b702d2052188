package exec

// viewOperatorsTopN marks a view created to be maintained by the
// specialized aggregate and join and by topNOp (flow_topn.go); views marked
// viewOperatorsIncremental (matview.go) predate topNOp and keep keyedOp's
// state layout for their windows and limits.
const viewOperatorsTopN = "incremental,topn"

// The levels of viewOperatorsOption, each including the ones before.
const (
	operatorsKeyed = iota
	operatorsIncremental
	operatorsTopN
)

// operators is the level of specialized operators the view was created
// with.
func (f *dataflow) operators() int {
	switch f.rel.Options[viewOperatorsOption] {
	case viewOperatorsIncremental:
		return operatorsIncremental
	case viewOperatorsTopN:
		return operatorsTopN
	}
	return operatorsKeyed
}
