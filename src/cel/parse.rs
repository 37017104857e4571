//! The CEL grammar (cel-go's `CEL.g4`) by recursive descent, from tokens to a syntax tree:
//! `?:` below `||` below `&&` below the relations and `in`, then `+ -`, `* / %`, the prefix
//! `!` and `-`, and member access, indexing, calls and literals. As in cel-go, `-1` is a
//! literal, pairs of `!` or `-` cancel, reserved words are refused as names, and the optional
//! syntax (`.?`, `[?`, `{?`) is refused.
//!
//! The functions on the path of a nesting (`expr` → `or` → `arithmetic` → `unary` → `member`
//! → `primary` → `expr`) do little else, so that each level costs little stack.

use super::ast::{BinaryOp, Expr, Literal};
use super::lex::{Kind, Token, tokens};
use super::macros;

/// The limit on nesting (parentheses, brackets, calls, operands, member chains). cel-go's
/// parser allows 250; meshc stops at 100, where a parse fits a 2 MiB thread stack with room to
/// spare even in a debug build, whose frames are several times larger than a release build's.
const MAX_DEPTH: usize = 100;

/// Words CEL keeps for itself; none may name a variable or a function.
const RESERVED: [&str; 17] = [
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
];

/// Why parsing stopped: a message and the byte offset it is about.
#[derive(Debug)]
pub(super) struct Failure {
    pub(super) at: usize,
    pub(super) message: String,
}

type Result<T> = std::result::Result<T, Failure>;

/// Parses `text` as one expression.
pub(super) fn parse(text: &str) -> Result<Expr> {
    let mut parser = Parser {
        tokens: tokens(text),
        next: 0,
        depth: 0,
    };
    if *parser.peek() == Kind::End {
        return Err(parser.fail("empty expression"));
    }
    let expr = parser.expr()?;
    match parser.peek() {
        Kind::End => Ok(expr),
        _ => Err(parser.unexpected("expected an operator")),
    }
}

struct Parser {
    tokens: Vec<Token>,
    next: usize,
    depth: usize,
}

impl Parser {
    fn kind(&self, ahead: usize) -> &Kind {
        self.tokens
            .get(self.next + ahead)
            .or(self.tokens.last())
            .map_or(&Kind::End, |t| &t.kind)
    }

    fn peek(&self) -> &Kind {
        self.kind(0)
    }

    /// The offset of the next token.
    fn here(&self) -> usize {
        self.tokens
            .get(self.next)
            .or(self.tokens.last())
            .map_or(0, |t| t.at)
    }

    fn is(&self, punct: &str) -> bool {
        matches!(self.peek(), Kind::Punct(p) if *p == punct)
    }

    fn eat(&mut self, punct: &str) -> bool {
        let found = self.is(punct);
        self.next += usize::from(found);
        found
    }

    fn expect(&mut self, punct: &str) -> Result<()> {
        if self.eat(punct) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("expected `{punct}`")))
        }
    }

    fn fail(&self, message: impl Into<String>) -> Failure {
        Failure {
            at: self.here(),
            message: message.into(),
        }
    }

    /// The next token is not `wanted`; a lexical error there speaks for itself.
    fn unexpected(&self, wanted: &str) -> Failure {
        match self.peek() {
            Kind::Error(message) => self.fail(message.clone()),
            other => self.fail(format!("unexpected {}, {wanted}", other.describe())),
        }
    }

    /// One level deeper, or the error past the limit.
    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.fail("max recursion depth exceeded"));
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Expr> {
        self.enter()?;
        let condition = self.or()?;
        let expr = if self.eat("?") {
            self.conditional(condition)?
        } else {
            condition
        };
        self.depth -= 1;
        Ok(expr)
    }

    /// The rest of `condition ? then : otherwise`, after the `?`.
    fn conditional(&mut self, condition: Expr) -> Result<Expr> {
        let then = self.or()?;
        self.expect(":")?;
        let otherwise = self.expr()?;
        Ok(Expr::Conditional(
            Box::new(condition),
            Box::new(then),
            Box::new(otherwise),
        ))
    }

    /// `a || b && c …`: the operands of each `&&` and `||` chain gathered into one node, so that
    /// a long chain costs no depth (cel-go balances it instead).
    fn or(&mut self) -> Result<Expr> {
        let mut ors = Vec::new();
        loop {
            let mut ands = vec![self.arithmetic()?];
            while self.eat("&&") {
                ands.push(self.arithmetic()?);
            }
            ors.push(joined(ands, Expr::And));
            if !self.eat("||") {
                return Ok(joined(ors, Expr::Or));
            }
        }
    }

    /// The relations, `in`, `+ -` and `* / %`, left-associative by precedence. Operator
    /// precedence parsing keeps the three levels in one frame; each operator nests the tree
    /// one level deeper and counts against the limit.
    fn arithmetic(&mut self) -> Result<Expr> {
        let base = self.depth;
        let mut pending: Vec<(Expr, BinaryOp)> = Vec::new();
        let mut right = self.unary()?;
        while let Some(op) = binary_op(self.peek()) {
            self.next += 1;
            self.enter()?;
            while pending
                .last()
                .is_some_and(|(_, top)| precedence(*top) >= precedence(op))
            {
                if let Some((left, top)) = pending.pop() {
                    right = Expr::Binary(top, Box::new(left), Box::new(right));
                }
            }
            pending.push((right, op));
            right = self.unary()?;
        }
        while let Some((left, top)) = pending.pop() {
            right = Expr::Binary(top, Box::new(left), Box::new(right));
        }
        self.depth = base;
        Ok(right)
    }

    /// `-` before a number makes a negative literal, not a negation (cel-go's grammar).
    fn signed_number(&self) -> bool {
        self.is("-") && matches!(self.kind(1), Kind::Int(_) | Kind::Double(_))
    }

    fn unary(&mut self) -> Result<Expr> {
        let symbol = match self.peek() {
            Kind::Punct("!") => "!",
            Kind::Punct("-") if !self.signed_number() => "-",
            _ => return self.member(),
        };
        let mut count = 0_usize;
        while self.eat(symbol) {
            count += 1;
        }
        let operand = self.member()?;
        Ok(prefixed(symbol, count, operand))
    }

    /// A primary expression and what follows it: `.field`, `.method(…)`, `[index]`, and a
    /// message literal's `{…}` after a dotted name.
    fn member(&mut self) -> Result<Expr> {
        let base = self.depth;
        let (mut expr, mut name) = self.primary()?;
        loop {
            expr = match self.peek() {
                Kind::Punct(".") => self.select(expr, &mut name)?,
                Kind::Punct("[") => {
                    name = None;
                    self.index(expr)?
                }
                Kind::Punct("{") if name.is_some() => self.message(name.take())?,
                _ => {
                    self.depth = base;
                    return Ok(expr);
                }
            };
        }
    }

    /// `.field` or `.method(args)` after `operand`; `name` is the dotted name so far, if any.
    fn select(&mut self, operand: Expr, name: &mut Option<String>) -> Result<Expr> {
        self.next += 1;
        self.enter()?;
        if self.is("?") {
            return Err(self.fail("unsupported syntax '.?'"));
        }
        let field = self.identifier()?;
        if self.is("(") {
            *name = None;
            let (args, at) = self.arguments()?;
            return macros::method(operand, field, args).map_err(|message| Failure { at, message });
        }
        *name = name.take().map(|name| format!("{name}.{field}"));
        Ok(Expr::Select(Box::new(operand), field))
    }

    /// `[index]` after `operand`.
    fn index(&mut self, operand: Expr) -> Result<Expr> {
        self.next += 1;
        self.enter()?;
        if self.is("?") {
            return Err(self.fail("unsupported syntax '[?'"));
        }
        let index = self.expr()?;
        self.expect("]")?;
        Ok(Expr::Index(Box::new(operand), Box::new(index)))
    }

    /// A message literal's `{field: value, …}` after its type `name`.
    fn message(&mut self, name: Option<String>) -> Result<Expr> {
        let fields = self.entries(Self::identifier)?;
        Ok(Expr::Message {
            name: name.unwrap_or_default(),
            fields,
        })
    }

    /// A primary expression, and its name when it is a plain name (a message literal's type
    /// may follow).
    fn primary(&mut self) -> Result<(Expr, Option<String>)> {
        match self.peek() {
            Kind::Ident(_) | Kind::Punct(".") => self.name(),
            Kind::Punct("(") => {
                self.next += 1;
                let inner = self.expr()?;
                self.expect(")")?;
                Ok((inner, None))
            }
            Kind::Punct("[") => Ok((self.list()?, None)),
            Kind::Punct("{") => Ok((self.map()?, None)),
            _ => Ok((self.literal()?, None)),
        }
    }

    /// A literal, with the sign of a negative number.
    fn literal(&mut self) -> Result<Expr> {
        let at = self.here();
        let negative = self.signed_number();
        self.next += usize::from(negative);
        let literal = match self.peek() {
            Kind::Int(magnitude) if negative => 0_i64
                .checked_sub_unsigned(*magnitude)
                .map(Literal::Int)
                .ok_or("invalid int literal"),
            Kind::Int(magnitude) => i64::try_from(*magnitude)
                .map(Literal::Int)
                .map_err(|_| "invalid int literal"),
            Kind::Double(magnitude) if negative => Ok(Literal::Double(-magnitude)),
            Kind::Double(magnitude) => Ok(Literal::Double(*magnitude)),
            Kind::Uint(value) => Ok(Literal::Uint(*value)),
            Kind::Str(value) => Ok(Literal::Str(value.as_str().into())),
            Kind::Bytes(value) => Ok(Literal::Bytes(value.as_slice().into())),
            Kind::True => Ok(Literal::Bool(true)),
            Kind::False => Ok(Literal::Bool(false)),
            Kind::Null => Ok(Literal::Null),
            _ => return Err(self.unexpected("expected an expression")),
        };
        self.next += 1;
        literal.map(Expr::Literal).map_err(|message| Failure {
            at,
            message: message.to_string(),
        })
    }

    /// `[items]`.
    fn list(&mut self) -> Result<Expr> {
        self.next += 1;
        let items = self.initializers("]", |p| {
            p.refuse_optional()?;
            p.expr()
        })?;
        Ok(Expr::List(items))
    }

    /// `{key: value, …}`.
    fn map(&mut self) -> Result<Expr> {
        Ok(Expr::Map(self.entries(Self::expr)?))
    }

    /// The `key: value` pairs of a map or message literal, from its `{` to its `}`.
    fn entries<K>(&mut self, key: fn(&mut Self) -> Result<K>) -> Result<Vec<(K, Expr)>> {
        self.next += 1;
        self.initializers("}", |p| {
            p.refuse_optional()?;
            let key = key(p)?;
            p.expect(":")?;
            Ok((key, p.expr()?))
        })
    }

    /// A name with an optional leading `.`: a variable, a global call or `has()`, or the start
    /// of a message literal's type.
    fn name(&mut self) -> Result<(Expr, Option<String>)> {
        let dot = if self.eat(".") { "." } else { "" };
        let at = self.here();
        let ident = self.identifier()?;
        let reserved = RESERVED.contains(&ident.as_str());
        // A message type is not a variable, so it may be a reserved word (`if{}` parses).
        if reserved && (self.is("(") || !self.message_follows()) {
            return Err(Failure {
                at,
                message: format!("reserved identifier: {ident}"),
            });
        }
        let name = format!("{dot}{ident}");
        if self.is("(") {
            let (args, at) = self.arguments()?;
            let call = macros::global(name, args).map_err(|message| Failure { at, message })?;
            return Ok((call, None));
        }
        Ok((Expr::Ident(name.clone()), Some(name)))
    }

    /// Whether the next tokens are `(.name)* {`: the rest of a message literal's type.
    fn message_follows(&self) -> bool {
        let mut ahead = 0;
        loop {
            match (self.kind(ahead), self.kind(ahead + 1)) {
                (Kind::Punct("{"), _) => return true,
                (Kind::Punct("."), Kind::Ident(_)) => ahead += 2,
                _ => return false,
            }
        }
    }

    fn identifier(&mut self) -> Result<String> {
        match self.peek() {
            Kind::Ident(name) => {
                let name = name.clone();
                self.next += 1;
                Ok(name)
            }
            _ => Err(self.unexpected("expected a name")),
        }
    }

    /// `(args)`, and the offset of the first argument (where a macro's error points).
    fn arguments(&mut self) -> Result<(Vec<Expr>, usize)> {
        self.expect("(")?;
        let at = self.here();
        let mut args = Vec::new();
        if self.eat(")") {
            return Ok((args, at));
        }
        loop {
            args.push(self.expr()?);
            if self.eat(")") {
                return Ok((args, at));
            }
            if !self.eat(",") {
                return Err(self.unexpected("expected `,` or `)`"));
            }
        }
    }

    /// The items of a list, map or message literal after its opening bracket, up to `close`:
    /// a trailing comma is allowed, and so is a lone one (`[,]`, as in cel-go).
    fn initializers<T>(
        &mut self,
        close: &str,
        item: impl Fn(&mut Self) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut items = Vec::new();
        if self.eat(",") {
            self.expect(close)?;
            return Ok(items);
        }
        loop {
            if self.eat(close) {
                return Ok(items);
            }
            items.push(item(self)?);
            if !self.eat(",") {
                self.expect(close)?;
                return Ok(items);
            }
        }
    }

    /// The optional syntax (`[?x]`, `{?k: v}`) needs an option cel-go's default parser lacks.
    fn refuse_optional(&self) -> Result<()> {
        if self.is("?") {
            return Err(self.fail("unsupported syntax '?'"));
        }
        Ok(())
    }
}

/// `operand` after `count` prefix `symbol`s: cel-go drops pairs, so `!!x` is `x`.
fn prefixed(symbol: &str, count: usize, operand: Expr) -> Expr {
    match (count % 2, symbol) {
        (0, _) => operand,
        (_, "!") => Expr::Not(Box::new(operand)),
        _ => Expr::Negate(Box::new(operand)),
    }
}

/// One operand as itself, more joined by `node`.
fn joined(mut operands: Vec<Expr>, node: fn(Vec<Expr>) -> Expr) -> Expr {
    if operands.len() == 1
        && let Some(only) = operands.pop()
    {
        return only;
    }
    node(operands)
}

/// The operator a token spells, of those below `&&`.
fn binary_op(kind: &Kind) -> Option<BinaryOp> {
    Some(match kind {
        Kind::In => BinaryOp::In,
        Kind::Punct("==") => BinaryOp::Eq,
        Kind::Punct("!=") => BinaryOp::Ne,
        Kind::Punct("<") => BinaryOp::Lt,
        Kind::Punct("<=") => BinaryOp::Le,
        Kind::Punct(">") => BinaryOp::Gt,
        Kind::Punct(">=") => BinaryOp::Ge,
        Kind::Punct("+") => BinaryOp::Add,
        Kind::Punct("-") => BinaryOp::Sub,
        Kind::Punct("*") => BinaryOp::Mul,
        Kind::Punct("/") => BinaryOp::Div,
        Kind::Punct("%") => BinaryOp::Rem,
        _ => return None,
    })
}

/// How tightly an operator binds.
fn precedence(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::Eq
        | BinaryOp::Ne
        | BinaryOp::Lt
        | BinaryOp::Le
        | BinaryOp::Gt
        | BinaryOp::Ge
        | BinaryOp::In => 1,
        BinaryOp::Add | BinaryOp::Sub => 2,
        BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => 3,
    }
}
