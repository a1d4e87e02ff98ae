// What the admin's editor takes from CodeMirror 6 (app/ui/editor/markdown.js): one
// module, so that the browser loads one file and the CSP needs no other origin.
export { EditorState, StateField, StateEffect } from '@codemirror/state';
export { EditorView, Decoration, WidgetType, keymap, placeholder } from '@codemirror/view';
export { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
export { syntaxTree, ensureSyntaxTree, syntaxHighlighting } from '@codemirror/language';
export { markdown, markdownLanguage } from '@codemirror/lang-markdown';
export { autocompletion, startCompletion } from '@codemirror/autocomplete';
export { search, searchKeymap } from '@codemirror/search';
export { parser as htmlParser } from '@lezer/html';
export { tags, tagHighlighter } from '@lezer/highlight';
