package exec

// viewOperatorsTopN marks a view created to be maintained by the
// specialized aggregate and join and by topNOp (flow_topn.go); views marked
// viewOperatorsIncremental (matview.go) predate topNOp and keep keyedOp's
// state layout for their windows and limits.
const viewOperatorsTopN = "incremental,topn"

// viewOperatorsPruned and sinkOperatorsPruned mark a view and a sink
// dataflow created with those operators over a pruned plan
// (planner.Prune): their operators hold only the columns the query reads.
// The plan lays out the operators' state, so views and sinks created
// before pruning existed keep planning without it.
const (
	viewOperatorsPruned = "incremental,topn,prune"
	sinkOperatorsPruned = "incremental,prune"
)

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
	case viewOperatorsIncremental, sinkOperatorsPruned:
		return operatorsIncremental
	case viewOperatorsTopN, viewOperatorsPruned:
		return operatorsTopN
	}
	return operatorsKeyed
}

// prunedPlan reports whether a view's (or a sink dataflow's, given its
// sinkFlowRelation options) plan is pruned.
func prunedPlan(options map[string]string) bool {
	switch options[viewOperatorsOption] {
	case viewOperatorsPruned, sinkOperatorsPruned:
		return true
	}
	return false
}

// layoutOption reports whether a view option records how the view's state
// is laid out (set by CREATE, read by the operators) rather than a session
// setting for its expressions.
func layoutOption(k string) bool {
	switch k {
	case viewOperatorsOption, appendBlocksOption, aggDistinctOption, windowOpOption, keyedRowsOption,
		joinBlocksOption, topNTiesOption, windowMaxOption, topNStateOption:
		return true
	}
	return false
}
