"""A centre's day, simulated on the real queue services (issue #15): see
:mod:`.engine` (the simulator), :mod:`.model` (what a day is made of),
:mod:`.scenarios` (the scenario days), :mod:`.history` (a day learned from, or replayed
out of, a site's history), :mod:`.accuracy` (how good the estimates were),
:mod:`.staffing` (the what-if: waits by the hour and the fewest counters that keep the
service level) and :mod:`.legacy` (the old estimator, for the comparison only)."""
