//! `applies_if` expressions over ICS options (DESIGN §4–5): `curve.brp and es2plus`,
//! `not smds or svn == "2.2.2"`. Parsed once when a suite loads (a syntax error is a load
//! error), evaluated per ICS (an option the ICS does not declare is an error naming it, never
//! silently false).

use std::collections::BTreeMap;

/// An ICS option's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionValue {
    Bool(bool),
    Text(String),
    Int(i64),
}

impl std::fmt::Display for OptionValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OptionValue::Bool(b) => write!(f, "{b}"),
            OptionValue::Text(t) => write!(f, "{t:?}"),
            OptionValue::Int(i) => write!(f, "{i}"),
        }
    }
}

/// Options by dotted name.
pub type Options = BTreeMap<String, OptionValue>;

/// A parsed expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    Option(String),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Compare {
        option: String,
        equal: bool,
        value: OptionValue,
    },
}

/// Why an expression does not parse or evaluate. Positions are character offsets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExprError {
    #[error("at {at}: {detail}")]
    Syntax { at: usize, detail: String },
    #[error("unknown ICS option {0:?}")]
    UnknownOption(String),
    #[error("ICS option {option:?} is {value}, not true/false")]
    NotBool { option: String, value: OptionValue },
}

/// Nesting bound: expressions come from suite files.
const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Text(String),
    Int(i64),
    Eq,
    Ne,
    Open,
    Close,
}

fn tokenize(s: &str) -> Result<Vec<(usize, Token)>, ExprError> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let at = i;
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => {
                out.push((at, Token::Open));
                i += 1;
            }
            ')' => {
                out.push((at, Token::Close));
                i += 1;
            }
            '=' | '!' if chars.get(i + 1) == Some(&'=') => {
                out.push((at, if c == '=' { Token::Eq } else { Token::Ne }));
                i += 2;
            }
            '"' => {
                let end =
                    chars[i + 1..]
                        .iter()
                        .position(|&c| c == '"')
                        .ok_or(ExprError::Syntax {
                            at,
                            detail: "unterminated string".into(),
                        })?;
                out.push((at, Token::Text(chars[i + 1..i + 1 + end].iter().collect())));
                i += end + 2;
            }
            c if c.is_ascii_digit() || c == '-' => {
                let len = chars[i + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_digit())
                    .count();
                let text: String = chars[i..i + 1 + len].iter().collect();
                let n = text.parse().map_err(|_| ExprError::Syntax {
                    at,
                    detail: format!("bad number {text:?}"),
                })?;
                out.push((at, Token::Int(n)));
                i += 1 + len;
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let len = chars[i..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
                    .count();
                out.push((at, Token::Ident(chars[i..i + len].iter().collect())));
                i += len;
            }
            other => {
                return Err(ExprError::Syntax {
                    at,
                    detail: format!("unexpected {other:?}"),
                })
            }
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    pos: usize,
    end: usize,
}

impl Parser {
    fn at(&self) -> usize {
        self.tokens.get(self.pos).map_or(self.end, |t| t.0)
    }
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos).map(|t| &t.1)
    }
    fn keyword(&self, k: &str) -> bool {
        matches!(self.peek(), Some(Token::Ident(i)) if i == k)
    }
    fn error(&self, detail: impl Into<String>) -> ExprError {
        ExprError::Syntax {
            at: self.at(),
            detail: detail.into(),
        }
    }

    fn or(&mut self, depth: usize) -> Result<Expr, ExprError> {
        let mut left = self.and(depth)?;
        while self.keyword("or") {
            self.pos += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and(depth)?));
        }
        Ok(left)
    }

    fn and(&mut self, depth: usize) -> Result<Expr, ExprError> {
        let mut left = self.unary(depth)?;
        while self.keyword("and") {
            self.pos += 1;
            left = Expr::And(Box::new(left), Box::new(self.unary(depth)?));
        }
        Ok(left)
    }

    fn unary(&mut self, depth: usize) -> Result<Expr, ExprError> {
        if depth > MAX_DEPTH {
            return Err(self.error(format!("nested deeper than {MAX_DEPTH}")));
        }
        if self.keyword("not") {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.unary(depth + 1)?)));
        }
        match self.peek().cloned() {
            Some(Token::Open) => {
                self.pos += 1;
                let e = self.or(depth + 1)?;
                if self.peek() != Some(&Token::Close) {
                    return Err(self.error("expected )"));
                }
                self.pos += 1;
                Ok(e)
            }
            Some(Token::Ident(name)) if !matches!(name.as_str(), "and" | "or" | "not") => {
                self.pos += 1;
                let equal = match self.peek() {
                    Some(Token::Eq) => true,
                    Some(Token::Ne) => false,
                    _ => return Ok(Expr::Option(name)),
                };
                self.pos += 1;
                let value = match self.peek().cloned() {
                    Some(Token::Text(t)) => OptionValue::Text(t),
                    Some(Token::Int(n)) => OptionValue::Int(n),
                    Some(Token::Ident(b)) if b == "true" || b == "false" => {
                        OptionValue::Bool(b == "true")
                    }
                    _ => return Err(self.error("expected a value after the comparison")),
                };
                self.pos += 1;
                Ok(Expr::Compare {
                    option: name,
                    equal,
                    value,
                })
            }
            _ => Err(self.error("expected an option name, not or (")),
        }
    }
}

impl Expr {
    pub fn parse(text: &str) -> Result<Expr, ExprError> {
        let tokens = tokenize(text)?;
        let mut p = Parser {
            tokens,
            pos: 0,
            end: text.chars().count(),
        };
        let e = p.or(0)?;
        if p.pos != p.tokens.len() {
            return Err(p.error("unexpected text after the expression"));
        }
        Ok(e)
    }

    /// Evaluates against the ICS options.
    pub fn eval(&self, options: &Options) -> Result<bool, ExprError> {
        let get = |name: &str| {
            options
                .get(name)
                .ok_or_else(|| ExprError::UnknownOption(name.to_owned()))
        };
        Ok(match self {
            Expr::Option(name) => match get(name)? {
                OptionValue::Bool(b) => *b,
                other => {
                    return Err(ExprError::NotBool {
                        option: name.clone(),
                        value: other.clone(),
                    })
                }
            },
            Expr::Not(e) => !e.eval(options)?,
            Expr::And(a, b) => a.eval(options)? && b.eval(options)?,
            Expr::Or(a, b) => a.eval(options)? || b.eval(options)?,
            Expr::Compare {
                option,
                equal,
                value,
            } => (get(option)? == value) == *equal,
        })
    }

    /// The options the expression reads (to check a suite against an ICS template).
    pub fn options(&self) -> Vec<&str> {
        match self {
            Expr::Option(n) | Expr::Compare { option: n, .. } => vec![n],
            Expr::Not(e) => e.options(),
            Expr::And(a, b) | Expr::Or(a, b) => {
                let mut v = a.options();
                v.extend(b.options());
                v
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn ics() -> Options {
        [
            ("curve.nist", OptionValue::Bool(true)),
            ("curve.brp", OptionValue::Bool(false)),
            ("es2plus", OptionValue::Bool(true)),
            ("svn", OptionValue::Text("2.2.2".into())),
            ("max_profiles", OptionValue::Int(8)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    #[rstest]
    #[case("curve.nist", true)]
    #[case("curve.brp and es2plus", false)]
    #[case("curve.brp or es2plus", true)]
    #[case("not curve.brp and es2plus", true)]
    #[case("not (curve.brp or es2plus)", false)]
    #[case("svn == \"2.2.2\"", true)]
    #[case("svn != \"2.2.2\" or max_profiles == 8", true)]
    #[case("curve.nist == false", false)]
    #[case("a_very_long or curve.nist", false)]
    fn evaluates(#[case] text: &str, #[case] expected: bool) {
        let r = Expr::parse(text).unwrap().eval(&ics());
        match r {
            Ok(v) => assert_eq!(v, expected, "{text}"),
            Err(e) => assert_eq!(e, ExprError::UnknownOption("a_very_long".into()), "{text}"),
        }
    }

    #[rstest]
    #[case("", 0)]
    #[case("curve.nist and", 14)]
    #[case("(curve.nist", 11)]
    #[case("curve.nist ==", 13)]
    #[case("curve.nist curve.brp", 11)]
    #[case("svn == \"2.2", 7)]
    #[case("curve.nist & es2plus", 11)]
    fn syntax_errors_name_the_position(#[case] text: &str, #[case] at: usize) {
        match Expr::parse(text) {
            Err(ExprError::Syntax { at: got, .. }) => assert_eq!(got, at, "{text}"),
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn non_bool_options_and_deep_nesting_are_errors() {
        assert!(matches!(
            Expr::parse("svn").unwrap().eval(&ics()),
            Err(ExprError::NotBool { .. })
        ));
        let deep = "(".repeat(100) + "es2plus" + &")".repeat(100);
        assert!(matches!(Expr::parse(&deep), Err(ExprError::Syntax { .. })));
        let nots = "not ".repeat(100) + "es2plus";
        assert!(matches!(Expr::parse(&nots), Err(ExprError::Syntax { .. })));
    }
}
