/** Image families ([families]): the published ID map and the periodic lifecycle task (issue 19). */
import { bool, int, str, type GroupSpec } from '../option-spec';

export const familiesOptions = {
  publish_dir: str(
    'Directory where the conductors write the published ID map of the image families (id-map.json) and ' +
      'simplestreams-style index files (streams/v1/index.json and its products file), rewritten on every ' +
      'change of a family, version, channel or lifecycle, for a web server to serve as they are. Every ' +
      'conductor must see the same directory (shared storage), or each writes its own copy. Empty: nothing ' +
      'is published.',
    '',
  ),
  publish_all_projects: bool(
    "Publish every project's families. When false, only versions whose image is public or community " +
      'appear in the published files (the REST API resolves the others for their project).',
    false,
  ),
  lifecycle_interval: int(
    'Seconds between two runs of the periodic lifecycle task, which applies the lifecycle changes whose ' +
      "time has come (on the database's clock) and tries again the copies a change could not reach. It runs " +
      'as the service user of [keystone_authtoken]. 0 disables it (scheduled changes then wait).',
    10,
  ),
} satisfies GroupSpec;
