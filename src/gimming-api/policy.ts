/**
 * The policy the API enforces at its edge: GIMinG's rules (common/policy/rules.ts, which the conductor
 * reads too) and the checks the controllers make with them.
 */
export * from '../common/policy/rules';
