; The `typescript` grammar only: `<T>x` assertions do not exist in `tsx`, where `<T>` opens JSX.

(type_assertion (type_arguments) @prefix_assertion)
