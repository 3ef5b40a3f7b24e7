// Nothing: a module root with no modules still makes a valid library.
