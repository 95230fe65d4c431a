// expect: ok prop-types function
import PropTypes from "prop-types";

PropTypes.checkPropTypes({ n: PropTypes.number }, { n: 1 }, "prop", "Example");
console.log("ok prop-types", typeof PropTypes.string.isRequired);
