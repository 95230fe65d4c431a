; Every node that TypeScript erasure or lowering acts on, for shaker/js/typescript.py.
; Captures come back in document order; the handler is picked by the capture name.
; Nodes inside a range that is already erased are skipped there, so nested types cost
; one capture each and nothing else.

(type_annotation) @type
(type_predicate_annotation) @type
(asserts_annotation) @type
(type_arguments) @generics
(type_parameters) @generics
(as_expression) @as
(satisfies_expression) @as
(non_null_expression) @non_null

(interface_declaration) @declaration
(type_alias_declaration) @declaration
(ambient_declaration) @declaration
(function_signature) @declaration
(import_alias) @import_alias
(enum_declaration) @enum
(internal_module) @namespace
(module) @namespace

(method_signature) @member_signature
(abstract_method_signature) @member_signature
(index_signature) @member_signature

(abstract_class_declaration "abstract" @modifier)
(accessibility_modifier) @modifier
(override_modifier) @modifier
(public_field_definition) @field
(method_definition "?" @optional)
(optional_parameter "?" @optional)
(required_parameter pattern: (this)) @this_parameter
(required_parameter "readonly" @modifier)
(optional_parameter "readonly" @modifier)
(variable_declarator "!" @optional)
(implements_clause) @implements

(import_statement) @import
(export_statement) @export

; `x as a.b.C` misparsed as `(x as a.b).C`: handled before the as-expression inside it.
(member_expression object: [(as_expression) (satisfies_expression)]) @misparse

; Decorators: lowered to esbuild's __decorateClass calls with experimentalDecorators.
(decorator) @decorator
