"""Widgets for the book: thin wiring of ipywidgets controls to a pure function and a plot."""
