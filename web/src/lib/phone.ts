// Phone numbers as people read them, with libphonenumber's JavaScript port.
import parsePhoneNumber, { type CountryCode } from "libphonenumber-js";

/** National format for a number of `region` (the agent's country: the service's default region),
 * international format for any other; what is not a valid number is shown as it was given. */
export function formatPhone(number: string, region?: string | null): string {
  const home = region ? (region.toUpperCase() as CountryCode) : undefined;
  let parsed: ReturnType<typeof parsePhoneNumber>;
  try {
    parsed = parsePhoneNumber(number, home);
  } catch {
    return number; // a region the metadata does not know
  }
  if (!parsed || !parsed.isValid()) return number;
  return home && parsed.country === home ? parsed.formatNational() : parsed.formatInternational();
}

/** The region for numbers seen outside any service (the Contact Directory, the Team Communicator):
 * the one region all the services share, or none (international format) when they differ. */
export function deskRegion(services: { default_region: string }[]): string | null {
  const regions = new Set(services.map((s) => s.default_region.toUpperCase()));
  return regions.size === 1 ? ([...regions][0] ?? null) : null;
}
