if true then throw "the widget is broken" else 1
