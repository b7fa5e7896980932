# Completes a command line in a real interactive zsh (on a pty) with a completion script loaded,
# and prints each candidate offered as "@@ candidate", one a line.
# usage: zsh zshComplete.zsh SCRIPT 'command line'
zmodload zsh/zpty
local rc=${TMPDIR:-/tmp}/zshComplete.$$.zsh
cat > $rc <<RC
PROMPT=''
autoload -Uz compinit && compinit -u -D
source ${(q)1}
# Every candidate passes through compadd: print it, then add it as usual.
compadd () { local -a hits; builtin compadd -O hits "\$@"; local h; for h in \$hits; do print -rl -- "" "@@ \$h"; done; builtin compadd "\$@" }
RC
zpty z zsh -f -i
zpty -w z "source ${(q)rc}"
zpty -wn z "$2"$'\t'
local out="" line
# Candidates come within moments; stop once they stop coming (or after 10 s with none).
for i in {1..100}; do
  while zpty -rt z line; do out+=$line; done
  [[ $out == *'@@ '* ]] && { sleep 0.3; while zpty -rt z line; do out+=$line; done; break }
  sleep 0.1
done
zpty -d z
rm -f $rc
print -r -- ${out//$'\r'/}
