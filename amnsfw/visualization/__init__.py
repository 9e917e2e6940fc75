"""Drawing: contact sheets of training pairs, result grids of searches and
curves of training runs."""
