// Each file registers its tasks under the `kc` scope (see common.ts).
import "./deploy";
import "./hash";
import "./register";
import "./artifact";
import "./relay";
import "./show";
import "./verify";
import "./pool";
import "./curator";
import "./fund";
import "./claim";
import "./stream";
import "./epoch";
