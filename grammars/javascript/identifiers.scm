; Identifier occurrences inside a region (used to find what removed code referenced).
(identifier) @name
(shorthand_property_identifier) @name
