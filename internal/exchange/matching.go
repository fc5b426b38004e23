package exchange

// Matching demand and supply: the score and its reasons.

// SupplyMatch is a supply ranked for a demand.
type SupplyMatch struct {
	LaborSupply *LaborSupply
	Score       float64
	Reasons     []string
}

// DemandMatch is a demand ranked for a supply.
type DemandMatch struct {
	LaborDemand *LaborDemand
	Score       float64
	Reasons     []string
}

// Match reasons: stable strings clients may switch on.
const (
	ReasonOccupationExact    = "OCCUPATION_EXACT"
	ReasonOccupationMinor    = "OCCUPATION_MINOR_GROUP"
	ReasonOccupationSubMajor = "OCCUPATION_SUB_MAJOR_GROUP"
	ReasonDestination        = "DESTINATION_ACCEPTED"
	ReasonWage               = "WAGE_MEETS_EXPECTATION"
	ReasonDates              = "DATES_OVERLAP"
	ReasonAgreement          = "AGREEMENT_COVERS"
)

// Match weights in hundredths; the best occupation weight plus all the others is 100, so
// a score is 0 to 1. The SQL of the store is built from these constants.
const (
	WeightOccupationExact    = 40
	WeightOccupationMinor    = 25
	WeightOccupationSubMajor = 10
	WeightDestination        = 20
	WeightWage               = 15
	WeightDates              = 15
	WeightAgreement          = 10
)

// MatchFacts are what matching finds true of a demand and a supply.
type MatchFacts struct {
	// OccupationLevel is 4 (same unit group), 3 (same minor group), 2 (same sub-major
	// group) or 0.
	OccupationLevel int
	Destination     bool
	Wage            bool
	Dates           bool
	Agreement       bool
}

// Score returns the match score (0–1) and its reasons in a fixed order.
func (f MatchFacts) Score() (float64, []string) {
	points, reasons := 0, []string{}
	switch f.OccupationLevel {
	case 4:
		points, reasons = points+WeightOccupationExact, append(reasons, ReasonOccupationExact)
	case 3:
		points, reasons = points+WeightOccupationMinor, append(reasons, ReasonOccupationMinor)
	case 2:
		points, reasons = points+WeightOccupationSubMajor, append(reasons, ReasonOccupationSubMajor)
	}
	for _, c := range []struct {
		ok     bool
		w      int
		reason string
	}{{f.Destination, WeightDestination, ReasonDestination}, {f.Wage, WeightWage, ReasonWage},
		{f.Dates, WeightDates, ReasonDates}, {f.Agreement, WeightAgreement, ReasonAgreement}} {
		if c.ok {
			points, reasons = points+c.w, append(reasons, c.reason)
		}
	}
	return float64(points) / 100, reasons
}
