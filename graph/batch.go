package graph

// each maps the parents of a batch resolver to their field values, in order; the
// first error fails the batch.
func each[P, T any](objs []P, f func(P) (T, error)) ([]T, error) {
	out := make([]T, len(objs))
	for i, o := range objs {
		v, err := f(o)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}
