// FQL v4 as people typed it into Fauna's shell: JavaScript call syntax over
// Fauna's function names, object and array literals, arrow lambdas.
grammar FQL;

@parser::members {
  // Bounds how deeply expressions nest while they are parsed, so that
  // hostile input cannot exhaust the stack of this recursive-descent parser.
  // Counting happens on rule entry, so error recovery cannot slip past it.
  int nesting_ = 0;
  int max_nesting_ = 500;
  antlr4::Token* too_deep_at_ = nullptr;
}

script : SEMI* (expr SEMI*)* EOF ;

expr
@init {
  if (++nesting_ > max_nesting_) {
    too_deep_at_ = getCurrentToken();
    throw antlr4::ParseCancellationException("nesting limit");
  }
}
  : lambdaParams ARROW expr                          # Arrow
  | name LPAREN exprList? RPAREN                     # Call
  | LBRACK exprList? RBRACK                          # ArrayLit
  | LBRACE (pair (COMMA pair)* COMMA?)? RBRACE       # ObjectLit
  | MINUS? INTEGER                                   # IntLit
  | MINUS? FLOAT                                     # FloatLit
  | STRING                                           # StringLit
  | KW_TRUE                                             # TrueLit
  | KW_FALSE                                            # FalseLit
  | KW_NULL                                             # NullLit
  | IDENT                                            # Ident
  | LPAREN expr RPAREN                               # Paren
  ;
finally { --nesting_; }

exprList : expr (COMMA expr)* COMMA? ;

lambdaParams
  : IDENT                                            # SingleParam
  | LPAREN (IDENT (COMMA IDENT)* COMMA?)? RPAREN     # ParamList
  ;

name : IDENT (DOT IDENT)? ;

pair : key COLON expr ;

key : IDENT | STRING | INTEGER | KW_TRUE | KW_FALSE | KW_NULL ;

ARROW  : '=>' ;
LPAREN : '(' ;
RPAREN : ')' ;
LBRACK : '[' ;
RBRACK : ']' ;
LBRACE : '{' ;
RBRACE : '}' ;
COMMA  : ',' ;
COLON  : ':' ;
SEMI   : ';' ;
DOT    : '.' ;
MINUS  : '-' ;
KW_TRUE   : 'true' ;
KW_FALSE  : 'false' ;
KW_NULL   : 'null' ;

IDENT   : [a-zA-Z_$] [a-zA-Z0-9_$]* ;
FLOAT   : DIGITS '.' DIGITS? EXPONENT? | '.' DIGITS EXPONENT? | DIGITS EXPONENT ;
INTEGER : DIGITS ;

STRING
  : '"' (ESCAPE | ~["\\\r\n])* '"'
  | '\'' (ESCAPE | ~['\\\r\n])* '\''
  ;

// A string that reaches the end of its line unclosed; the front end reports it.
UNTERMINATED_STRING
  : '"' (ESCAPE | ~["\\\r\n])*
  | '\'' (ESCAPE | ~['\\\r\n])*
  ;

LINE_COMMENT  : '//' ~[\r\n]* -> skip ;
BLOCK_COMMENT : '/*' .*? '*/' -> skip ;
WS            : [ \t\r\n\u000C\u00A0\uFEFF]+ -> skip ;

// Any other character; the front end reports it with its position.
UNEXPECTED_CHAR : . ;

fragment DIGITS   : [0-9]+ ;
fragment EXPONENT : [eE] [+-]? [0-9]+ ;
fragment ESCAPE   : '\\' . ;
