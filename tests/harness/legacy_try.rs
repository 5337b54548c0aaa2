//! Rewrites the folded legacy exception-handling syntax,
//! `(try $l? BLOCKTYPE (do BODY) (catch $t CODE)… (catch_all CODE)?)` and
//! `(try … (do BODY) (delegate L))`, into the flat form
//! `try $l? BLOCKTYPE BODY catch $t CODE … end` / `… BODY delegate L`,
//! which the `wast` crate parses (it has no folded `try`). The suite's
//! `proposals/exception-handling/legacy/*.wast` are written folded.
//!
//! The text is split into lists and atoms, keeping whitespace, comments
//! and strings as they are, so everything else (and every line number)
//! stays the same.

/// One piece of the text: an atom (a token, whitespace, a comment, a
/// string) or a parenthesised list.
enum Node {
    Atom(String),
    List(Vec<Node>),
}

/// `text` with every folded `try` rewritten to the flat form.
pub fn unfold(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut at = 0;
    let nodes = parse(&chars, &mut at, false);
    let mut out = String::with_capacity(text.len());
    for node in rewrite(nodes) {
        write(&node, &mut out);
    }
    out
}

fn parse(c: &[char], at: &mut usize, in_list: bool) -> Vec<Node> {
    let mut nodes = Vec::new();
    while *at < c.len() {
        let start = *at;
        match c[*at] {
            '(' if c.get(*at + 1) == Some(&';') => {
                // A block comment; they nest.
                let mut depth = 0;
                while *at < c.len() {
                    if c[*at] == '(' && c.get(*at + 1) == Some(&';') {
                        depth += 1;
                        *at += 2;
                    } else if c[*at] == ';' && c.get(*at + 1) == Some(&')') {
                        depth -= 1;
                        *at += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        *at += 1;
                    }
                }
            }
            '(' => {
                *at += 1;
                nodes.push(Node::List(parse(c, at, true)));
                continue;
            }
            ')' if in_list => {
                *at += 1;
                return nodes;
            }
            '"' => {
                *at += 1;
                while *at < c.len() && c[*at] != '"' {
                    *at += if c[*at] == '\\' { 2 } else { 1 };
                }
                *at = (*at + 1).min(c.len());
            }
            ';' if c.get(*at + 1) == Some(&';') => {
                while *at < c.len() && c[*at] != '\n' {
                    *at += 1;
                }
            }
            ch if ch.is_whitespace() => {
                while *at < c.len() && c[*at].is_whitespace() {
                    *at += 1;
                }
            }
            _ => {
                while *at < c.len() && !c[*at].is_whitespace() && !"()\";".contains(c[*at]) {
                    *at += 1;
                }
                // A lone `;` or `)` outside a list: keep it as it is.
                *at = (*at).max(start + 1);
            }
        }
        nodes.push(Node::Atom(c[start..*at].iter().collect()));
    }
    nodes
}

/// The list's keyword: its first atom, when the list starts with one.
fn head(items: &[Node]) -> Option<&str> {
    match items.first() {
        Some(Node::Atom(a)) => Some(a.as_str()),
        _ => None,
    }
}

fn rewrite(nodes: Vec<Node>) -> Vec<Node> {
    let mut out = Vec::with_capacity(nodes.len());
    for node in nodes {
        match node {
            Node::List(items) if head(&items) == Some("try") => out.extend(flatten_try(items)),
            Node::List(items) => out.push(Node::List(rewrite(items))),
            atom => out.push(atom),
        }
    }
    out
}

/// The flat form of one folded `try` list, spliced into its parent.
fn flatten_try(items: Vec<Node>) -> Vec<Node> {
    let mut out = vec![Node::Atom(" ".into())];
    let mut delegated = false;
    for item in items {
        match item {
            Node::List(inner) => match head(&inner) {
                Some("do") => out.extend(rewrite(inner.into_iter().skip(1).collect())),
                Some("catch" | "catch_all") => {
                    out.push(Node::Atom(" ".into()));
                    out.extend(rewrite(inner));
                }
                Some("delegate") => {
                    delegated = true;
                    out.push(Node::Atom(" ".into()));
                    out.extend(inner);
                }
                // Block type: `(result …)`, `(param …)`, `(type …)`.
                _ => out.push(Node::List(rewrite(inner))),
            },
            atom => out.push(atom),
        }
    }
    if !delegated {
        out.push(Node::Atom(" end".into()));
    }
    out.push(Node::Atom(" ".into()));
    out
}

fn write(node: &Node, out: &mut String) {
    match node {
        Node::Atom(a) => out.push_str(a),
        Node::List(items) => {
            out.push('(');
            for item in items {
                write(item, out);
            }
            out.push(')');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::unfold;

    /// Whitespace runs as one space: the rewrite adds some around what it
    /// splices, which the parser ignores.
    fn squeezed(text: &str) -> String {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn folded_try_becomes_flat_and_everything_else_stays() {
        assert_eq!(
            squeezed(&unfold(
                "(func (try (result i32) (do (i32.const 1)) (catch $e (i32.const 2))))"
            )),
            "(func try (result i32) (i32.const 1) catch $e (i32.const 2) end )"
        );
        assert_eq!(
            squeezed(&unfold(
                "(try $t (do (try (do (nop)) (delegate $t))) (catch_all))"
            )),
            "try $t try (nop) delegate $t catch_all end"
        );
        // try_table, strings and comments are left alone.
        let other = "(try_table (catch_all 0)) \"(try\" ;; (try\n (; (try ;)";
        assert_eq!(unfold(other), other);
    }
}
